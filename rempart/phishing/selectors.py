"""Reads of the phishing module (settings objects and campaigns), always scoped through
`visible_to`; aggregated results live in `results/stats.py`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Count, QuerySet
from django.http import Http404

from rempart.core.actions import Action
from rempart.phishing.models import (
    Campaign,
    EmailTemplate,
    LandingPage,
    Recipient,
    RecipientGroup,
    SendingDomain,
    SendingProfile,
    Target,
)


def _scoped(model: Any, *, user: Any, establishment: Any, action: Action) -> QuerySet[Any]:
    queryset: QuerySet[Any] = model.objects.visible_to(user, action=action).filter(
        establishment=establishment
    )
    return queryset


def _get(model: Any, *, user: Any, public_id: UUID, establishment: Any, action: Action) -> Any:
    """One row of `establishment` that `user` may `action`; 404 for "absent" and "not yours"."""
    queryset = _scoped(model, user=user, establishment=establishment, action=action)
    try:
        return queryset.get(public_id=public_id)
    except model.DoesNotExist as exc:
        raise Http404 from exc


def domain_list(*, user: Any, establishment: Any) -> QuerySet[SendingDomain]:
    return _scoped(SendingDomain, user=user, establishment=establishment, action=Action.VIEW)


def domain_get(
    *, user: Any, public_id: UUID, establishment: Any, action: Action = Action.VIEW
) -> SendingDomain:
    domain: SendingDomain = _get(
        SendingDomain, user=user, public_id=public_id, establishment=establishment, action=action
    )
    return domain


def group_list(*, user: Any, establishment: Any) -> QuerySet[RecipientGroup]:
    groups = _scoped(RecipientGroup, user=user, establishment=establishment, action=Action.VIEW)
    annotated: QuerySet[RecipientGroup] = groups.annotate(recipient_count=Count("recipients"))
    return annotated


def group_get(
    *, user: Any, public_id: UUID, establishment: Any, action: Action = Action.VIEW
) -> RecipientGroup:
    group: RecipientGroup = _get(
        RecipientGroup, user=user, public_id=public_id, establishment=establishment, action=action
    )
    return group


def recipient_list(*, user: Any, group: RecipientGroup) -> QuerySet[Recipient]:
    recipients = _scoped(
        Recipient, user=user, establishment=group.establishment, action=Action.VIEW
    )
    return recipients.filter(group=group)


def profile_list(*, user: Any, establishment: Any) -> QuerySet[SendingProfile]:
    return _scoped(SendingProfile, user=user, establishment=establishment, action=Action.VIEW)


def profile_get(
    *, user: Any, public_id: UUID, establishment: Any, action: Action = Action.VIEW
) -> SendingProfile:
    profile: SendingProfile = _get(
        SendingProfile, user=user, public_id=public_id, establishment=establishment, action=action
    )
    return profile


def template_list(*, user: Any, establishment: Any) -> QuerySet[EmailTemplate]:
    return _scoped(EmailTemplate, user=user, establishment=establishment, action=Action.VIEW)


def template_get(
    *, user: Any, public_id: UUID, establishment: Any, action: Action = Action.VIEW
) -> EmailTemplate:
    template: EmailTemplate = _get(
        EmailTemplate, user=user, public_id=public_id, establishment=establishment, action=action
    )
    return template


def page_list(*, user: Any, establishment: Any) -> QuerySet[LandingPage]:
    return _scoped(LandingPage, user=user, establishment=establishment, action=Action.VIEW)


def page_get(
    *, user: Any, public_id: UUID, establishment: Any, action: Action = Action.VIEW
) -> LandingPage:
    page: LandingPage = _get(
        LandingPage, user=user, public_id=public_id, establishment=establishment, action=action
    )
    return page


def settings_summary(*, user: Any, establishment: Any) -> dict[str, int]:
    """How many of each settings object the establishment has (the hub page's counts)."""
    scope = {"user": user, "establishment": establishment, "action": Action.VIEW}
    return {
        "domains": _scoped(SendingDomain, **scope).count(),
        "verified_domains": _scoped(SendingDomain, **scope)
        .filter(verified_at__isnull=False)
        .count(),
        "groups": _scoped(RecipientGroup, **scope).count(),
        "recipients": _scoped(Recipient, **scope).count(),
        "profiles": _scoped(SendingProfile, **scope).count(),
        "templates": _scoped(EmailTemplate, **scope).count(),
        "pages": _scoped(LandingPage, **scope).count(),
    }


def campaign_list(*, user: Any, establishment: Any) -> QuerySet[Campaign]:
    return _scoped(Campaign, user=user, establishment=establishment, action=Action.VIEW)


def campaign_get(
    *, user: Any, public_id: UUID, establishment: Any, action: Action = Action.VIEW
) -> Campaign:
    campaign: Campaign = _get(
        Campaign, user=user, public_id=public_id, establishment=establishment, action=action
    )
    return campaign


# The first-time stamps of a target's funnel, in order (CSV export, API, identified view).
TARGET_STAMPS = (
    "sent_at",
    "opened_at",
    "clicked_at",
    "confirmed_at",
    "submitted_at",
    "reported_at",
    "trained_at",
)


def campaign_targets(*, campaign: Campaign) -> QuerySet[Target]:
    """The campaign's results, pseudonymous (no person) unless the campaign is identified."""
    targets = Target.objects.for_establishment(campaign.establishment).filter(campaign=campaign)
    return targets.select_related("variant").order_by("pseudonym")
