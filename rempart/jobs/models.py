"""JobRun: one row per long task a user waits for (scan, import, report, verification)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rempart.core.actions import Action
from rempart.core.models import TimeStampedModel
from rempart.jobs.registry import REGISTRY
from rempart.tenancy.access import establishments_for, is_operator_staff

logger = logging.getLogger(__name__)


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class JobError(models.TextChoices):
    """Why a run ended early when no exception says it: shown translated in the UI."""

    WORKER_LOST = (
        "worker_lost",
        _(
            "The process running this job stopped before the end (killed or crashed). "
            "This job cannot resume by itself: run it again."
        ),
    )
    COMMAND_LOST = (
        "command_lost",
        _(
            "The command running this job was stopped before the end (killed or crashed). "
            "Run the command again."
        ),
    )
    TOO_MANY_ATTEMPTS = (
        "too_many_attempts",
        _("The process running this job stopped at each of its attempts: it is not resumed again."),
    )
    INTERRUPTED = "interrupted", _("Interrupted from the terminal (Ctrl-C or kill).")


CANCELLED_REASON = _("Cancelled at a user's request.")


class JobRunQuerySet(models.QuerySet["JobRun"]):
    def visible_to(self, user: Any, *, action: Any = None) -> JobRunQuerySet:
        """Jobs of establishments the user may act on; platform jobs (no establishment) are
        visible to operator staff only; everyone sees the jobs they started themselves."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        allowed = establishments_for(user, action=action or Action.VIEW)
        condition = Q(establishment__in=allowed) | Q(actor=user)
        if is_operator_staff(user):
            condition |= Q(establishment__isnull=True)
        return self.filter(condition)


class JobRun(TimeStampedModel):
    """A run of a background job; written by the worker, read live by the UI and the CLI."""

    kind = models.CharField(_("kind"), max_length=100, db_index=True)
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(
        _("status"), max_length=20, choices=JobStatus, default=JobStatus.QUEUED, db_index=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    establishment = models.ForeignKey(
        "tenancy.Establishment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("establishment"),
    )
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    message = models.CharField(_("current step"), max_length=300, blank=True)
    log = models.TextField(_("log"), blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    error_code = models.CharField(_("error code"), max_length=40, blank=True, choices=JobError)
    cancel_requested = models.BooleanField(_("cancellation requested"), default=False)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    inline = models.BooleanField(
        _("run by a command"), default=False, help_text=_("Run by a command, not by a worker.")
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=0)
    worker = models.CharField(_("process"), max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = JobRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def error_display(self) -> str:
        """The error as the UI shows it: the translated reason when the platform knows it."""
        if self.error_code:
            return str(self.get_error_code_display())
        return self.error

    @property
    def result_display(self) -> str:
        """A successful run's result in words (or safe HTML with a link), by its kind's
        `describe`; "" when the kind has none. The raw result is never shown."""
        kind = REGISTRY.get(self.kind)
        if self.status != JobStatus.SUCCEEDED or kind is None or kind.describe is None:
            return ""
        try:
            return kind.describe(self)
        except (KeyError, TypeError, ValueError, AttributeError):  # a result of an older release
            logger.warning("job %s: result not described", self.pk, exc_info=True)
            return ""

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))
