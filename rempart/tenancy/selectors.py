"""Reads of the tenancy app, always through the access module."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from rempart.core.actions import Action
from rempart.tenancy import access
from rempart.tenancy.models import (
    Contact,
    Establishment,
    EstablishmentGroup,
    Membership,
    Operator,
    Site,
)


def establishment_list(*, user: Any, action: Action = Action.VIEW) -> QuerySet[Establishment]:
    return Establishment.objects.visible_to(user, action=action).select_related("group")


def establishment_get(*, user: Any, slug: str, action: Action = Action.VIEW) -> Establishment:
    """The establishment named by `slug`, or 404 if absent or out of the user's reach."""
    try:
        return establishment_list(user=user, action=action).get(slug=slug)
    except Establishment.DoesNotExist as exc:
        raise Http404 from exc


def group_list(*, user: Any) -> QuerySet[EstablishmentGroup]:
    return access.groups_for(user).select_related("support_establishment")


def membership_list(*, user: Any, establishment: Establishment) -> QuerySet[Membership]:
    return (
        Membership.objects.visible_to(user)
        .filter(establishment=establishment)
        .select_related("user")
    )


def owned_get(
    *,
    user: Any,
    model: type[Site | Contact | Membership],
    public_id: Any,
    action: Action = Action.VIEW,
) -> Any:
    try:
        return model.objects.visible_to(user, action=action).get(public_id=public_id)
    except model.DoesNotExist as exc:
        raise Http404 from exc


def default_operator() -> Operator:
    """The cooperative running this platform (the first one registered)."""
    operator = Operator.objects.order_by("pk").first()
    if operator is None:
        raise Http404
    return operator


def regional_counts(*, user: Any) -> QuerySet[Establishment]:
    """Establishments of the user's perimeter with per-establishment counts for the dashboard."""
    return (
        establishment_list(user=user)
        .annotate(
            member_count=Count("tenancy_membership_set", distinct=True),
            site_count=Count("tenancy_site_set", distinct=True),
            open_invitations=Count(
                "accounts_invitation_set",
                filter=Q(
                    accounts_invitation_set__accepted_at=None,
                    accounts_invitation_set__revoked_at=None,
                ),
                distinct=True,
            ),
        )
        .order_by("group__name", "name")
    )
