"""Personal links for people without an account (learners, exercise players, data subjects'
contacts): one person, one purpose, an expiry, revocable; only the token's hash is stored."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rempart.core.models import TenantOwnedModel


class MagicLink(TenantOwnedModel):
    """A link that lets one person (`email`, the record `subject_kind`/`subject_id`: a learner,
    a participant…) act for one `purpose` until `expires_at`, unless revoked."""

    purpose = models.CharField(_("purpose"), max_length=60)
    subject_kind = models.CharField(_("record kind"), max_length=60)
    subject_id = models.UUIDField(_("record"))
    email = models.EmailField(_("e-mail address"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    use_count = models.PositiveIntegerField(_("uses"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("personal link")
        verbose_name_plural = _("personal links")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["subject_kind", "subject_id", "purpose"], name="magiclinks_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} · {self.email}"

    def is_usable(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now
