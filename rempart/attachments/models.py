"""Uploaded files (and evidence) of any record: stored in file storage, never in the
database; the row holds the sanitised name, the sniffed type, the size and the digest."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rempart.core.models import TenantOwnedModel


class ReviewStatus(models.TextChoices):
    """Where a file is evidence (an assessment's, a contract's…), its review; blank otherwise."""

    TO_REVIEW = "to_review", pgettext_lazy("evidence", "To review")
    ACCEPTED = "accepted", pgettext_lazy("evidence", "Accepted")
    REFUSED = "refused", pgettext_lazy("evidence", "Refused")


def storage_path(instance: Attachment, filename: str) -> str:
    """A random name under the establishment's folder: nothing of the uploaded name reaches
    the file system."""
    extension = filename.rsplit(".", 1)[-1]
    return f"attachments/{instance.establishment_id}/{uuid.uuid4().hex}.{extension}"


class Attachment(TenantOwnedModel):
    """One file attached to one record (`owner_kind`, `owner_id`: rempart/core/subjects.py)."""

    owner_kind = models.CharField(_("record kind"), max_length=60)
    owner_id = models.UUIDField(_("record"))
    file = models.FileField(_("file"), upload_to=storage_path, max_length=200)
    name = models.CharField(_("name"), max_length=160)
    description = models.CharField(_("description"), max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    review_status = models.CharField(_("review"), max_length=20, choices=ReviewStatus, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner_kind", "owner_id"], name="attachments_owner")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_evidence(self) -> bool:
        return bool(self.review_status)

    def is_expired(self, today: dt.date) -> bool:
        return self.expires_on is not None and self.expires_on < today
