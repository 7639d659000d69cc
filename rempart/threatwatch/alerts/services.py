"""Writes of the threat-watch alerts made by people: follow-up states (audited) and
subscriptions (vendor, product, keyword, region) with the e-mail preference."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.tenancy import access
from rempart.threatwatch.alerts.models import (
    AlertPreference,
    EstablishmentAlert,
    FollowUp,
    WatchSubscription,
)


@transaction.atomic
def alert_follow_up(
    *, alert: EstablishmentAlert, status: str, reason: str, actor: Any, ip: str | None = None
) -> EstablishmentAlert:
    """Set the establishment's follow-up of an alert; "not concerned" needs a reason."""
    if not access.can(actor, Action.CHANGE, alert.establishment):
        raise PermissionDeniedError(_("You cannot follow up the alerts of this establishment."))
    if status not in FollowUp.values:
        raise ApplicationError(_("Unknown follow-up state."))
    reason = reason.strip()
    if status == FollowUp.NOT_CONCERNED and not reason:
        raise ApplicationError(_("Say why the establishment is not concerned."))
    before = alert.status
    alert.status, alert.status_reason = status, reason
    alert.status_changed_at, alert.status_changed_by = timezone.now(), actor
    alert.save(
        update_fields=[
            "status",
            "status_reason",
            "status_changed_at",
            "status_changed_by",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        verb="threatwatch.alert.followed_up",
        target=alert,
        establishment=alert.establishment,
        changes={"status": [before, status], "status_reason": reason},
        ip_address=ip,
    )
    return alert


def _clean_value(kind: str, value: str) -> str:
    value = " ".join(value.split())
    if kind == WatchSubscription.Kind.REGION:
        return ""
    if len(value) < 3:  # noqa: PLR2004  (a shorter word would match everything)
        raise ApplicationError(_("Give at least three characters to follow."))
    return value.lower().replace(" ", "_") if kind != WatchSubscription.Kind.KEYWORD else value


@transaction.atomic
def subscription_add(*, user: Any, kind: str, value: str) -> WatchSubscription:
    """Follow a vendor, a product or a keyword; the region is for the regional team."""
    if kind not in WatchSubscription.Kind.values:
        raise ApplicationError(_("Unknown kind of subscription."))
    if kind == WatchSubscription.Kind.REGION and not access.is_operator_staff(user):
        raise PermissionDeniedError(_("Only the regional team follows the whole region."))
    subscription, _created = WatchSubscription.objects.get_or_create(
        user=user, kind=kind, value=_clean_value(kind, value)
    )
    return subscription


def subscription_remove(*, user: Any, public_id: Any) -> None:
    """Stop following (only one's own subscriptions; anything else is absent)."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return
    WatchSubscription.objects.filter(user=user, public_id=key).delete()


def preference_set(*, user: Any, frequency: str, bulletin: bool) -> AlertPreference:
    if frequency not in AlertPreference.Frequency.values:
        raise ApplicationError(_("Unknown e-mail frequency."))
    preference, _created = AlertPreference.objects.update_or_create(
        user=user, defaults={"frequency": frequency, "bulletin": bulletin}
    )
    return preference
