"""Findings, their observations scan after scan, comments and history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from rempart.core.models import TenantOwnedModel
from rempart.scanning.check_texts import finding_title
from rempart.scanning.choices import Confidence, FindingStatus, ObservationResult, Severity
from rempart.scanning.problems import render_evidence


class Finding(TenantOwnedModel):
    """One weakness on one asset (port), deduplicated across scans by its fingerprint.

    The fingerprint covers (establishment, address, protocol/port, check, key) and never
    descriptions, evidence or timestamps, so rescans never duplicate a finding.
    """

    asset = models.ForeignKey(
        "scanning.Asset", on_delete=models.CASCADE, related_name="findings", verbose_name=_("asset")
    )
    service = models.ForeignKey(
        "scanning.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("service"),
    )
    port = models.PositiveIntegerField(_("port"), null=True, blank=True)
    protocol = models.CharField(_("protocol"), max_length=3, blank=True)
    check_id = models.CharField(_("check"), max_length=100, db_index=True)
    key = models.CharField(_("key"), max_length=200, blank=True)
    fingerprint = models.CharField(max_length=64, editable=False)
    title = models.CharField(_("title"), max_length=300)
    title_fr = models.CharField(_("title (French)"), max_length=300)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity, db_index=True)
    confidence = models.CharField(_("confidence"), max_length=10, choices=Confidence)
    status = models.CharField(
        _("status"), max_length=20, choices=FindingStatus, default=FindingStatus.NEW, db_index=True
    )
    evidence = models.TextField(_("evidence"), blank=True)
    # The engine's message codes ({"code", "params"}): the evidence and the title rendered in
    # the reader's language; empty for rows without codes (imports, older scans).
    evidence_messages = models.JSONField(_("evidence (codes)"), default=list, blank=True)
    title_params = models.JSONField(_("title parameters"), default=dict, blank=True)
    cves = models.JSONField(_("CVE"), default=list, blank=True)
    known_exploited = models.BooleanField(_("known exploited (KEV)"), default=False)
    epss = models.FloatField(_("EPSS"), null=True, blank=True)
    references = models.JSONField(_("references"), default=list, blank=True)
    product = models.CharField(_("product"), max_length=200, blank=True)
    version = models.CharField(_("version"), max_length=200, blank=True)
    cpe = models.CharField(_("CPE"), max_length=300, blank=True)
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))
    fixed_at = models.DateTimeField(_("fixed at"), null=True, blank=True)
    reopen_count = models.PositiveIntegerField(_("times reopened"), default=0)
    due_at = models.DateTimeField(_("remediation due"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    decision_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_reason = models.TextField(_("justification"), blank=True)
    accepted_until = models.DateField(_("accepted until"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), null=True, blank=True, db_index=True, help_text=_("1 (urgent) to 4.")
    )
    priority_reasons = models.JSONField(_("why this priority"), default=list, blank=True)

    class Meta:
        ordering = ["-first_seen"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "fingerprint"], name="scanning_finding_unique_fingerprint"
            )
        ]
        indexes = [
            models.Index(
                fields=["establishment", "status", "severity"], name="finding_estab_status_sev"
            )
        ]

    def __str__(self) -> str:
        where = f"{self.asset.address}:{self.port}" if self.port else self.asset.address
        return f"{self.title} ({where})"

    @property
    def display_title(self) -> str:
        """The title in the active language (the check's translated title when known)."""
        stored = self.title_fr if translation.get_language() == "fr" else self.title
        return finding_title(self.check_id, self.title_params, fallback=stored or self.title)

    @property
    def evidence_text(self) -> str:
        """The evidence in the active language (the stored text when it has no codes)."""
        return render_evidence(self.evidence_messages, self.evidence)


class Observation(TenantOwnedModel):
    """What one scan said about one finding: present, absent, or not covered."""

    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, related_name="observations", verbose_name=_("finding")
    )
    scan = models.ForeignKey(
        "scanning.Scan",
        on_delete=models.CASCADE,
        related_name="observations",
        verbose_name=_("scan"),
    )
    result = models.CharField(_("result"), max_length=12, choices=ObservationResult)
    evidence = models.TextField(_("evidence"), blank=True)
    evidence_messages = models.JSONField(_("evidence (codes)"), default=list, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        constraints = [
            models.UniqueConstraint(fields=["finding", "scan"], name="scanning_observation_once")
        ]

    def __str__(self) -> str:
        return f"{self.finding_id} @ {self.scan_id}: {self.result}"

    @property
    def evidence_text(self) -> str:
        """This scan's evidence in the active language."""
        return render_evidence(self.evidence_messages, self.evidence)


class FindingEvent(TenantOwnedModel):
    """A status change of a finding, by a scan or by a person."""

    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, related_name="events", verbose_name=_("finding")
    )
    from_status = models.CharField(_("from"), max_length=20, choices=FindingStatus, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=FindingStatus)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    scan = models.ForeignKey(
        "scanning.Scan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scan"),
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("finding event")
        verbose_name_plural = _("finding events")

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class FindingComment(TenantOwnedModel):
    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, related_name="comments", verbose_name=_("finding")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("comment"))

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.text[:50]
