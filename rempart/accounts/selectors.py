"""Reads of the accounts app."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404

from rempart.accounts.models import ApiToken, Invitation, StaffInvitation, User
from rempart.core.actions import Action
from rempart.tenancy.access import establishments_for, is_operator_staff
from rempart.tenancy.models import OperatorAssignment


def user_list(*, user: Any) -> QuerySet[User]:
    """People the user may see: members of establishments in reach, staff (for staff), self."""
    if not getattr(user, "is_authenticated", False):
        return User.objects.none()
    visible = establishments_for(user, action=Action.VIEW)
    condition = Q(memberships__establishment__in=visible) | Q(pk=user.pk)
    if is_operator_staff(user):
        condition |= Q(operator_assignment__isnull=False)
    return User.objects.filter(condition).distinct()


def api_token_list(*, user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def api_token_get(*, user: Any, public_id: UUID) -> ApiToken:
    try:
        return ApiToken.objects.get(user=user, public_id=public_id)
    except ApiToken.DoesNotExist as exc:
        raise Http404 from exc


def invitation_list(*, user: Any, establishment: Any) -> QuerySet[Invitation]:
    return Invitation.objects.visible_to(user, action=Action.MANAGE).filter(
        establishment=establishment
    )


def invitation_get(*, user: Any, public_id: UUID) -> Invitation:
    try:
        invitation: Invitation = Invitation.objects.visible_to(user, action=Action.MANAGE).get(
            public_id=public_id
        )
    except Invitation.DoesNotExist as exc:
        raise Http404 from exc
    return invitation


def staff_list() -> QuerySet[Any]:
    """Operator staff assignments (callers are operator administrators)."""
    return OperatorAssignment.objects.select_related("user").prefetch_related("groups")


def staff_invitation_list() -> QuerySet[StaffInvitation]:
    return StaffInvitation.objects.filter(accepted_at=None, revoked_at=None).select_related(
        "invited_by"
    )
