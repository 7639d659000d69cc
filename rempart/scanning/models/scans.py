"""A scan: one run of the engine (or one imported report) over a scope."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rempart.core.models import TenantOwnedModel
from rempart.scanning.choices import Policy, ScanSource, ScanStatus


class Scan(TenantOwnedModel):
    """A scan request and its outcome. The raw result is kept as a file for re-processing."""

    scope = models.ForeignKey(
        "scanning.Scope",
        on_delete=models.PROTECT,
        related_name="scans",
        null=True,
        blank=True,
        verbose_name=_("scope"),
    )
    policy = models.CharField(_("policy"), max_length=20, choices=Policy, default=Policy.STANDARD)
    source = models.CharField(
        _("source"), max_length=20, choices=ScanSource, default=ScanSource.ENGINE
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ScanStatus, default=ScanStatus.QUEUED, db_index=True
    )
    targets = models.TextField(_("targets"))
    exclusions = models.TextField(_("exclusions"), blank=True)
    tcp_ports = models.CharField(_("TCP ports"), max_length=2000, blank=True)
    udp_ports = models.CharField(_("UDP ports"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    schedule = models.ForeignKey(
        "scanning.ScanSchedule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scans",
        verbose_name=_("schedule"),
    )
    job = models.ForeignKey(
        "jobs.JobRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("job"),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    result_file = models.FileField(_("raw result"), upload_to="scanning/results/", blank=True)
    hosts_up = models.PositiveIntegerField(_("live hosts"), default=0)
    services_found = models.PositiveIntegerField(_("open services"), default=0)
    findings_new = models.PositiveIntegerField(_("new findings"), default=0)
    findings_fixed = models.PositiveIntegerField(_("fixed findings"), default=0)
    findings_reopened = models.PositiveIntegerField(_("reopened findings"), default=0)
    findings_present = models.PositiveIntegerField(_("findings seen"), default=0)
    engine_version = models.CharField(_("engine version"), max_length=50, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        indexes = [models.Index(fields=["establishment", "-created_at"], name="scan_estab_created")]

    def __str__(self) -> str:
        return f"{self.scope or self.get_source_display()} — {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ScanStatus.COMPLETED, ScanStatus.FAILED, ScanStatus.CANCELLED)
