"""The common action plan: items produced by incidents' and exercises' RETEX, assessments'
gaps, pentest findings, threat-watch alerts… each with its source as a typed link."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rempart.actions.choices import CLOSED_STATUSES, ActionPriority, ActionStatus
from rempart.core.models import TenantOwnedModel


class ActionItem(TenantOwnedModel):
    """One thing to do, by someone of the establishment, before a date.

    `source_kind`/`source_id` point to the record that produced it (rempart/core/subjects.py);
    both are empty for an item written by hand."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_action_items",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus, default=ActionStatus.TODO
    )
    abandon_reason = models.TextField(_("reason for abandoning"), blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=ActionPriority, default=ActionPriority.NORMAL
    )
    source_kind = models.CharField(_("source kind"), max_length=60, blank=True)
    source_id = models.UUIDField(_("source"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["establishment", "status"], name="actions_est_status"),
            models.Index(fields=["source_kind", "source_id"], name="actions_source"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=ActionStatus.ABANDONED) | ~models.Q(abandon_reason=""),
                name="actions_abandoned_has_reason",
                violation_error_message=_("Say why the action is abandoned."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < today
