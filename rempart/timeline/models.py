"""Time-stamped entries on any record with a life (incident, exercise, engagement…)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rempart.core.models import TenantOwnedModel
from rempart.timeline.kinds import ENTRY_KINDS


class TimelineEntry(TenantOwnedModel):
    """One thing that happened to a record (`subject_kind`, `subject_id`:
    rempart/core/subjects.py), when it happened (not when it was written), who wrote it.

    Status and field changes keep `data = {"field", "from", "to"}` (codes), put in words
    when shown, in the reader's language."""

    subject_kind = models.CharField(_("record kind"), max_length=60)
    subject_id = models.UUIDField(_("record"))
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    kind = models.CharField(_("kind"), max_length=30)
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(
                fields=["subject_kind", "subject_id", "occurred_at"], name="timeline_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.kind}"

    @property
    def kind_label(self) -> str:
        return str(ENTRY_KINDS.get(self.kind, self.kind))
