"""Enumerations of the probes app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import pgettext_lazy


class Health(models.TextChoices):
    OK = "ok", pgettext_lazy("probe health", "OK")
    LATE = "late", pgettext_lazy("probe health", "Late")
    SILENT = "silent", pgettext_lazy("probe health", "Silent")
    REVOKED = "revoked", pgettext_lazy("probe health", "Revoked")


class JobStatus(models.TextChoices):
    # a job ("tâche") is feminine in French
    PENDING = "pending", pgettext_lazy("probe job", "Waiting for the probe")
    SENT = "sent", pgettext_lazy("probe job", "Sent to the probe")
    COMPLETED = "completed", pgettext_lazy("probe job", "Completed")
    FAILED = "failed", pgettext_lazy("probe job", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("probe job", "Cancelled")
