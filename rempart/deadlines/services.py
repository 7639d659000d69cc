"""Deadlines: open one for a record from a rule code, meet or cancel it, and the scheduler's
reminders (one e-mail per reminder step and recipient, never twice).

    deadline = deadline_open(rule_code="cnil.breach_notification", subject=breach,
                             start_at=breach.aware_at, owner=dpo)
    …
    deadline_meet(deadline=deadline, actor=user, at=notification.sent_at)

The rule version is the one valid at the start time: a new version of a rule never moves the
due time of a deadline already open.
"""

from __future__ import annotations

import datetime as dt
import logging
from smtplib import SMTPException
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record
from rempart.core.errors import ApplicationError
from rempart.core.subjects import subject_ref
from rempart.deadlines.mail import send_reminder
from rempart.deadlines.models import Deadline, DeadlineRule

logger = logging.getLogger(__name__)
OVERDUE = "overdue"
BATCH = 500


def rule_for(code: str, at: dt.datetime) -> DeadlineRule:
    """The version of rule `code` valid at `at`."""
    day = timezone.localtime(at).date()
    rule = (
        DeadlineRule.objects.filter(code=code, valid_from__lte=day).order_by("-valid_from").first()
    )
    if rule is None:
        raise ApplicationError(
            _("No deadline rule “%(code)s” applies on that date.") % {"code": code}
        )
    return rule


def steps(deadline: Deadline) -> list[tuple[str, dt.datetime]]:
    """The reminder steps of a deadline in time order: before the due time, then overdue."""
    befores = sorted({int(s) for s in deadline.rule.reminders or [] if int(s) > 0}, reverse=True)
    found = [(f"before:{s}", deadline.due_at - dt.timedelta(seconds=s)) for s in befores]
    return [*found, (OVERDUE, deadline.due_at)]


def _next_time(deadline: Deadline) -> dt.datetime | None:
    pending = [when for key, when in steps(deadline) if key not in deadline.reminders_sent]
    return pending[0] if pending and deadline.is_open else None


@transaction.atomic
def deadline_open(
    *, rule_code: str, subject: Any, start_at: dt.datetime, owner: Any = None, actor: Any = None
) -> Deadline:
    """The open deadline of `subject` for `rule_code` (opened now if it has none)."""
    kind, public_id = subject_ref(subject)
    existing: Deadline | None = Deadline.objects.filter(
        establishment_id=subject.establishment_id,
        subject_kind=kind,
        subject_id=public_id,
        rule__code=rule_code,
        met_at__isnull=True,
        cancelled_at__isnull=True,
    ).first()
    if existing is not None:
        return existing
    rule = rule_for(rule_code, start_at)
    deadline = Deadline(
        establishment_id=subject.establishment_id,
        rule=rule,
        subject_kind=kind,
        subject_id=public_id,
        start_at=start_at,
        due_at=rule.due_after(start_at),
        owner=owner,
    )
    deadline.next_reminder_at = _next_time(deadline)
    deadline.save()
    audit_record(
        actor=actor,
        verb="deadlines.deadline.opened",
        target=deadline,
        establishment=subject.establishment,
        changes={"rule": f"{rule.code} v{rule.version}", "due_at": deadline.due_at},
    )
    return deadline


@transaction.atomic
def deadline_meet(*, deadline: Deadline, actor: Any, at: dt.datetime | None = None) -> Deadline:
    """What was due has been done (at `at`, now by default); reminders stop."""
    if not deadline.is_open:
        raise ApplicationError(_("This deadline is already closed."))
    deadline.met_at = at or timezone.now()
    deadline.next_reminder_at = None
    deadline.save(update_fields=["met_at", "next_reminder_at", "updated_at"])
    audit_record(
        actor=actor,
        verb="deadlines.deadline.met",
        target=deadline,
        changes={"met_at": deadline.met_at, "late": deadline.was_late()},
    )
    return deadline


@transaction.atomic
def deadline_cancel(*, deadline: Deadline, actor: Any, reason: str) -> Deadline:
    """The deadline no longer applies (e.g. no personal data after all); a reason is needed."""
    if not reason.strip():
        raise ApplicationError(_("Say why the deadline no longer applies."))
    if not deadline.is_open:
        raise ApplicationError(_("This deadline is already closed."))
    deadline.cancelled_at, deadline.cancel_reason = timezone.now(), reason.strip()[:300]
    deadline.next_reminder_at = None
    deadline.save(update_fields=["cancelled_at", "cancel_reason", "next_reminder_at", "updated_at"])
    audit_record(
        actor=actor,
        verb="deadlines.deadline.cancelled",
        target=deadline,
        changes={"reason": deadline.cancel_reason},
    )
    return deadline


def deadlines_remind(*, now: dt.datetime | None = None) -> int:
    """Send the reminders that are due (the periodic task); returns the e-mails sent."""
    now = now or timezone.now()
    due = (
        Deadline.objects.filter(
            next_reminder_at__lte=now, met_at__isnull=True, cancelled_at__isnull=True
        )
        .order_by("next_reminder_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    return sum(_remind_one(pk, now) for pk in list(due))


def _claim(pk: int, now: dt.datetime) -> tuple[Deadline, str, list[str]] | None:
    """Mark the due steps sent (committed before any e-mail leaves: a step is never sent
    twice); only the latest is e-mailed, earlier ones missed while the scheduler was down
    are skipped."""
    with transaction.atomic():
        deadline = (
            Deadline.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("rule", "establishment", "owner")
            .filter(
                pk=pk, next_reminder_at__lte=now, met_at__isnull=True, cancelled_at__isnull=True
            )
            .first()
        )
        if deadline is None:
            return None
        keys = [
            k for k, when in steps(deadline) if when <= now and k not in deadline.reminders_sent
        ]
        deadline.reminders_sent = [*deadline.reminders_sent, *keys]
        deadline.next_reminder_at = _next_time(deadline)
        deadline.save(update_fields=["reminders_sent", "next_reminder_at", "updated_at"])
    return (deadline, keys[-1], keys) if keys else None


def _remind_one(pk: int, now: dt.datetime) -> int:
    claimed = _claim(pk, now)
    if claimed is None:
        return 0
    deadline, key, keys = claimed
    try:
        sent = send_reminder(deadline, overdue=key == OVERDUE, now=now)
    except (SMTPException, OSError):
        logger.exception("Reminder of deadline %s not sent; it will be tried again", pk)
        _release(deadline, keys)
        return 0
    audit_record(
        actor=None,
        verb="deadlines.reminder.sent",
        target=deadline,
        changes={"step": key, "recipients": sent},
    )
    return len(sent)


def _release(deadline: Deadline, keys: list[str]) -> None:
    with transaction.atomic():
        fresh = Deadline.objects.select_for_update(of=("self",)).get(pk=deadline.pk)
        fresh.reminders_sent = [k for k in fresh.reminders_sent if k not in keys]
        fresh.next_reminder_at = _next_time(fresh)
        fresh.save(update_fields=["reminders_sent", "next_reminder_at", "updated_at"])


@transaction.atomic
def deadline_rule_revise(
    *,
    code: str,
    valid_from: dt.date,
    actor: Any,
    offset: dt.timedelta | None = None,
    offset_months: int | None = None,
    reminders: list[int] | None = None,
) -> DeadlineRule:
    """A new version of a rule from `valid_from` (e.g. the cooperative's target for the ANS
    declaration "without delay" goes from 24 h to 12 h); open deadlines keep their due time."""
    current = DeadlineRule.objects.filter(code=code).order_by("-version").first()
    if current is None:
        raise ApplicationError(_("Unknown deadline rule."))
    if valid_from <= current.valid_from:
        raise ApplicationError(_("A new version must start after the current one."))
    rule = DeadlineRule.objects.create(
        code=code,
        version=current.version + 1,
        valid_from=valid_from,
        label=current.label,
        start_event=current.start_event,
        immediate=current.immediate,
        reference=current.reference,
        offset=current.offset if offset is None else offset,
        offset_months=current.offset_months if offset_months is None else offset_months,
        reminders=current.reminders if reminders is None else reminders,
    )
    audit_record(
        actor=actor,
        verb="deadlines.rule.revised",
        target=rule,
        changes={
            "version": rule.version,
            "offset": str(rule.offset),
            "offset_months": rule.offset_months,
            "valid_from": valid_from,
        },
    )
    return rule
