"""Deadlines as data: versioned rules (CNIL 72 h from awareness, NIS2 24 h / 72 h / 1 month,
ANS "without delay" with the cooperative's own target…) and the deadlines they give records.

A rule is never edited in place once used: a new version with a later `valid_from` applies to
deadlines opened from that date, and the deadlines already open keep the due time they were
given."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rempart.core.models import TenantOwnedModel, TimeStampedModel


class DeadlineRule(TimeStampedModel):
    """How long after a named start event something is due (shared reference data)."""

    code = models.SlugField(_("code"), max_length=60)
    version = models.PositiveIntegerField(_("version"), default=1)
    valid_from = models.DateField(_("valid from"))
    label = models.CharField(_("label"), max_length=200)
    start_event = models.CharField(_("start event"), max_length=40)
    offset = models.DurationField(_("time allowed"), default=dt.timedelta(0))
    offset_months = models.PositiveSmallIntegerField(_("months allowed"), default=0)
    immediate = models.BooleanField(
        _("without delay in law"),
        default=False,
        help_text=_("The text says 'without delay': the time allowed is the cooperative's target."),
    )
    reminders = models.JSONField(
        _("reminders (seconds before the due time)"), default=list, blank=True
    )
    reference = models.CharField(_("legal reference"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="deadlines_rule_version"),
            models.UniqueConstraint(fields=["code", "valid_from"], name="deadlines_rule_from"),
        ]

    def __str__(self) -> str:
        return f"{self.label} (v{self.version})"

    def due_after(self, start: dt.datetime) -> dt.datetime:
        """The due time for a start at `start`: months first (calendar), then the duration."""
        return add_months(start, self.offset_months) + self.offset


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """`moment` `months` calendar months later (the 31st becomes the month's last day)."""
    if not months:
        return moment
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


class Deadline(TenantOwnedModel):
    """One due time given to one record (`subject_kind`, `subject_id`) by one rule version.

    `next_reminder_at` is the time of the next reminder step not yet sent (the scheduler's
    only query is on it); null once the overdue notice has gone or the deadline is closed."""

    rule = models.ForeignKey(
        DeadlineRule, on_delete=models.PROTECT, related_name="deadlines", verbose_name=_("rule")
    )
    subject_kind = models.CharField(_("record kind"), max_length=60)
    subject_id = models.UUIDField(_("record"))
    start_at = models.DateTimeField(_("start"))
    due_at = models.DateTimeField(_("due"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    reminders_sent = models.JSONField(_("reminders sent"), default=list, blank=True)
    next_reminder_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["subject_kind", "subject_id"], name="deadlines_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.rule.label} · {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.met_at is None and self.cancelled_at is None

    def is_overdue(self, now: dt.datetime) -> bool:
        return self.is_open and self.due_at <= now

    def was_late(self) -> bool:
        return self.met_at is not None and self.met_at > self.due_at
