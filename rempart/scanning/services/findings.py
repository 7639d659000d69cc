"""People's decisions on findings: risk acceptance, false positive, reopening, assignment,
comments. Every decision is audited and recorded in the finding's history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.scanning.choices import ACTIVE_STATUSES, FindingStatus
from rempart.scanning.models import Finding, FindingComment, FindingEvent
from rempart.scanning.services.sla import due_at
from rempart.tenancy import access

MAX_ACCEPTANCE_DAYS = 365


def _require(actor: Any, finding: Finding, action: Action) -> None:
    if not access.can(actor, action, finding.establishment):
        raise PermissionDeniedError(_("You cannot change this finding."))


def _transition(
    finding: Finding,
    to: str,
    *,
    actor: Any,
    reason: str,
    verb: str,
    extra: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> Finding:
    before = finding.status
    finding.status = to
    finding.decision_by, finding.decision_reason = actor, reason
    finding.save()
    FindingEvent.objects.create(
        establishment=finding.establishment,
        finding=finding,
        from_status=before,
        to_status=to,
        actor=actor,
        reason=reason,
    )
    audit_record(
        actor=actor,
        verb=verb,
        target=finding,
        ip_address=ip_address,
        changes={"status": [before, to], "reason": reason, **(extra or {})},
    )
    return finding


@transaction.atomic
def finding_accept_risk(
    *, finding: Finding, actor: Any, reason: str, until: dt.date, ip_address: str | None = None
) -> Finding:
    """Accept the risk until a date (at most a year); the finding reopens when it expires.
    Needs MANAGE (referent or operator administrator): it is a decision, not a fix."""
    _require(actor, finding, Action.MANAGE)
    if not reason.strip():
        raise ApplicationError(_("Give the justification of the accepted risk."))
    today = timezone.localdate()
    if not today < until <= today + dt.timedelta(days=MAX_ACCEPTANCE_DAYS):
        raise ApplicationError(_("The acceptance must end after today and within a year."))
    finding.accepted_until = until
    return _transition(
        finding,
        FindingStatus.ACCEPTED,
        actor=actor,
        reason=reason,
        verb="scanning.finding.risk_accepted",
        ip_address=ip_address,
        extra={"until": until.isoformat()},
    )


@transaction.atomic
def finding_mark_false_positive(
    *, finding: Finding, actor: Any, reason: str, ip_address: str | None = None
) -> Finding:
    _require(actor, finding, Action.CHANGE)
    if not reason.strip():
        raise ApplicationError(_("Explain why this is a false positive."))
    return _transition(
        finding,
        FindingStatus.FALSE_POSITIVE,
        actor=actor,
        reason=reason,
        verb="scanning.finding.false_positive",
        ip_address=ip_address,
    )


@transaction.atomic
def finding_reopen(
    *, finding: Finding, actor: Any, reason: str, ip_address: str | None = None
) -> Finding:
    """Withdraw an acceptance or a false-positive decision."""
    _require(actor, finding, Action.CHANGE)
    if finding.status not in (FindingStatus.ACCEPTED, FindingStatus.FALSE_POSITIVE):
        raise ApplicationError(_("Only an accepted risk or a false positive can be reopened."))
    finding.accepted_until = None
    finding.reopen_count += 1
    finding.due_at = due_at(
        finding.severity, timezone.now(), known_exploited=finding.known_exploited
    )
    return _transition(
        finding,
        FindingStatus.REOPENED,
        actor=actor,
        reason=reason,
        verb="scanning.finding.reopened",
        ip_address=ip_address,
    )


@transaction.atomic
def finding_assign(
    *, finding: Finding, actor: Any, assignee: Any, ip_address: str | None = None
) -> Finding:
    _require(actor, finding, Action.CHANGE)
    if assignee is not None and not access.can(assignee, Action.VIEW, finding.establishment):
        raise ApplicationError(_("This person has no access to the establishment."))
    before = finding.assignee.email if finding.assignee else None
    finding.assignee = assignee
    finding.save(update_fields=["assignee", "updated_at"])
    audit_record(
        actor=actor,
        verb="scanning.finding.assigned",
        target=finding,
        ip_address=ip_address,
        changes={"assignee": [before, assignee.email if assignee else None]},
    )
    return finding


@transaction.atomic
def finding_comment(*, finding: Finding, actor: Any, text: str) -> FindingComment:
    _require(actor, finding, Action.CHANGE)
    if not text.strip():
        raise ApplicationError(_("The comment is empty."))
    comment = FindingComment.objects.create(
        establishment=finding.establishment, finding=finding, author=actor, text=text.strip()
    )
    audit_record(
        actor=actor,
        verb="scanning.finding.commented",
        target=finding,
        changes={"comment": text.strip()[:500]},
    )
    return comment


@transaction.atomic
def acceptances_expire() -> int:
    """Reopen findings whose accepted risk has expired (run daily by the scheduler)."""
    expired = Finding.objects.filter(
        status=FindingStatus.ACCEPTED, accepted_until__lt=timezone.localdate()
    )
    count = 0
    for finding in expired:
        finding.accepted_until = None
        finding.due_at = due_at(
            finding.severity, timezone.now(), known_exploited=finding.known_exploited
        )
        _transition(
            finding,
            FindingStatus.REOPENED,
            actor=None,
            reason=_("The risk acceptance expired."),
            verb="scanning.finding.acceptance_expired",
        )
        count += 1
    return count


def is_overdue(finding: Finding) -> bool:
    return bool(
        finding.status in ACTIVE_STATUSES and finding.due_at and finding.due_at < timezone.now()
    )
