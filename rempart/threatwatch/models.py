"""The shared vulnerability catalog (not tenant-scoped) and the state of each source."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rempart.core.models import TenantOwnedModel, TimeStampedModel


class Cve(TimeStampedModel):
    """A CVE record, merged from NVD and CVE JSON 5 (CNA and ADP containers)."""

    class State(models.TextChoices):
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    cve_id = models.CharField(_("CVE"), max_length=30, unique=True)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.PUBLISHED)
    title = models.CharField(_("title"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    published = models.DateTimeField(_("published"), null=True, blank=True)
    last_modified = models.DateTimeField(_("last modified"), null=True, blank=True)
    assigner = models.CharField(_("assigner"), max_length=100, blank=True)
    cwes = models.JSONField(_("CWE"), default=list, blank=True)
    references = models.JSONField(_("references"), default=list, blank=True)
    cvss2_vector = models.CharField(max_length=120, blank=True)
    cvss2_score = models.FloatField(null=True, blank=True)
    cvss3_vector = models.CharField(max_length=120, blank=True)
    cvss3_score = models.FloatField(null=True, blank=True)
    cvss4_vector = models.CharField(max_length=250, blank=True)
    cvss4_score = models.FloatField(null=True, blank=True)
    cvss_score = models.FloatField(
        _("CVSS"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("The newest CVSS version available."),
    )
    known_exploited = models.BooleanField(_("known exploited (KEV)"), default=False, db_index=True)
    epss = models.FloatField(_("EPSS"), null=True, blank=True)
    epss_percentile = models.FloatField(_("EPSS percentile"), null=True, blank=True)
    sources = models.JSONField(
        _("sources"),
        default=dict,
        blank=True,
        help_text=_("Content hash per source, to skip unchanged records."),
    )

    class Meta:
        ordering = ["-published"]
        verbose_name = _("CVE")
        verbose_name_plural = _("CVEs")

    def __str__(self) -> str:
        return self.cve_id


class CpeMatch(models.Model):
    """One applicability rule of a CVE: a product and a version range, from a source.

    NVD configurations with an AND node (an application vulnerable only on some platform)
    keep the platform criteria in `running_on`.
    """

    class Source(models.TextChoices):
        NVD = "nvd", "NVD"
        CNA = "cve5-cna", _("CVE record (CNA)")
        ADP = "cve5-adp", _("CVE record (ADP)")

    cve = models.ForeignKey(Cve, on_delete=models.CASCADE, related_name="matches")
    source = models.CharField(max_length=10, choices=Source)
    part = models.CharField(max_length=1, default="a")
    vendor = models.CharField(max_length=100)
    product = models.CharField(max_length=150)
    version = models.CharField(max_length=100, default="*")
    update = models.CharField(max_length=50, default="*")
    start_including = models.CharField(max_length=100, blank=True)
    start_excluding = models.CharField(max_length=100, blank=True)
    end_including = models.CharField(max_length=100, blank=True)
    end_excluding = models.CharField(max_length=100, blank=True)
    version_type = models.CharField(max_length=30, blank=True)
    running_on = models.JSONField(default=list, blank=True)
    criteria = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["cve", "vendor", "product"]
        indexes = [models.Index(fields=["vendor", "product"], name="cpematch_vendor_product")]
        verbose_name = _("applicability rule")
        verbose_name_plural = _("applicability rules")

    def __str__(self) -> str:
        return f"{self.cve_id} {self.vendor}:{self.product}"


class KevEntry(TimeStampedModel):
    """CISA Known Exploited Vulnerabilities catalog entry."""

    cve_id = models.CharField(_("CVE"), max_length=30, unique=True)
    vendor_project = models.CharField(_("vendor"), max_length=200, blank=True)
    product = models.CharField(_("product"), max_length=200, blank=True)
    name = models.CharField(_("name"), max_length=500, blank=True)
    date_added = models.DateField(_("added on"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    ransomware = models.BooleanField(_("used by ransomware"), default=False)
    required_action = models.TextField(_("required action"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-date_added"]
        verbose_name = _("KEV entry")
        verbose_name_plural = _("KEV entries")

    def __str__(self) -> str:
        return self.cve_id


class EpssScore(models.Model):
    """FIRST EPSS probability of exploitation, kept for every CVE of the daily file."""

    cve_id = models.CharField(max_length=30, unique=True)
    epss = models.FloatField()
    percentile = models.FloatField()
    score_date = models.DateField()

    class Meta:
        ordering = ["cve_id"]
        verbose_name = _("EPSS score")
        verbose_name_plural = _("EPSS scores")

    def __str__(self) -> str:
        return f"{self.cve_id} {self.epss:.5f}"


class Advisory(TimeStampedModel):
    """A CERT-FR avis or alerte (French title and summary, affected systems, CVE list)."""

    class Kind(models.TextChoices):
        AVIS = "avis", _("Advisory")
        ALERTE = "alerte", _("Alert")

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    title = models.CharField(_("title"), max_length=500)
    summary = models.TextField(_("summary"), blank=True)
    published = models.DateTimeField(_("published"), null=True, blank=True)
    last_revision = models.DateTimeField(_("last revision"), null=True, blank=True)
    closed_at = models.DateField(_("closed on"), null=True, blank=True)
    affected_systems = models.JSONField(_("affected systems"), default=list, blank=True)
    risks = models.JSONField(_("risks"), default=list, blank=True)
    url = models.URLField(_("link"), blank=True)
    cve_ids = models.JSONField(_("CVE"), default=list, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-published"]
        verbose_name = _("CERT-FR publication")
        verbose_name_plural = _("CERT-FR publications")

    def __str__(self) -> str:
        return self.reference


class AdvisoryCve(models.Model):
    """Which CVEs a CERT-FR publication cites (for lookups by CVE)."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="cve_links")
    cve_id = models.CharField(max_length=30, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["advisory", "cve_id"], name="threatwatch_advisory_cve_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.advisory_id} {self.cve_id}"


class SourceStatus(TimeStampedModel):
    """Last run of a source (synchronisation or import of files): when, its outcome, how many
    records, its errors (only those of this source, each once), the resume point."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", pgettext_lazy("source outcome", "Up to date")
        FAILED = "failed", pgettext_lazy("source outcome", "Failed")
        IMPORTED = "imported", pgettext_lazy("source outcome", "Files imported")

    source = models.CharField(_("source"), max_length=30, unique=True)
    last_outcome = models.CharField(
        _("outcome of the last run"), max_length=10, choices=Outcome, blank=True
    )
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    cursor = models.CharField(_("resume point"), max_length=100, blank=True)
    records = models.PositiveIntegerField(_("records"), default=0)
    last_added = models.PositiveIntegerField(_("added at the last run"), default=0)
    last_updated = models.PositiveIntegerField(_("updated at the last run"), default=0)
    last_error_count = models.PositiveIntegerField(_("errors of the last run"), default=0)
    last_errors = models.JSONField(_("first errors of the last run"), default=list, blank=True)

    class Meta:
        ordering = ["source"]
        verbose_name = _("source status")
        verbose_name_plural = _("source statuses")

    def __str__(self) -> str:
        return self.source


class CatalogGeneration(models.Model):
    """One counter, moved by every transaction that changes the catalog's CVEs, rules, KEV
    flags or scores: a process that keeps the catalog in memory (the lookup index,
    `rempart.threatwatch.index`) reloads when it moved."""

    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("catalog generation")
        verbose_name_plural = _("catalog generations")

    def __str__(self) -> str:
        return str(self.value)


class ImportedFile(models.Model):
    """A file `rempart intel import` read whole, by the hash of its bytes, with the source it
    fed: importing the same bytes again (under any name) skips the file. Recorded at the end
    of an import that read the file without a database, read or size problem; read again
    after a parser change (`parser_version`) or with `rempart intel import --force`."""

    status = models.ForeignKey(
        SourceStatus,
        on_delete=models.CASCADE,
        related_name="imported_files",
        verbose_name=_("source"),
    )
    content_hash = models.CharField(_("content hash"), max_length=64)
    parser_version = models.CharField(max_length=10)
    name = models.CharField(_("file"), max_length=500)
    size = models.PositiveBigIntegerField(_("size"))
    errors = models.PositiveIntegerField(_("errors at its import"), default=0)
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        ordering = ["-imported_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["status", "content_hash"], name="threatwatch_imported_file_once"
            )
        ]
        indexes = [models.Index(fields=["content_hash"], name="threatwatch_file_hash")]
        verbose_name = _("imported file")
        verbose_name_plural = _("imported files")

    def __str__(self) -> str:
        return self.name


class PendingCorrelation(models.Model):
    """A CVE whose applicability, KEV flag or EPSS changed and that the inventory has not been
    correlated with yet. Written in the transaction that changes the CVE, deleted in the one
    that records the correlation's findings: an import or a sync killed in between leaves its
    work here for the next run (`rempart.threatwatch.services.pending`)."""

    cve_id = models.CharField(_("CVE"), max_length=30)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("pending correlation")
        verbose_name_plural = _("pending correlations")

    def __str__(self) -> str:
        return self.cve_id


class Alert(TenantOwnedModel):
    """Something the threat watch found for an establishment — today: a CVE newly applying to
    one of its assets after a catalog update (no rescan needed). Notification channels
    (e-mail, webhooks) consume these."""

    class Kind(models.TextChoices):
        NEW_CVE = "new_cve", _("New vulnerability on an asset")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.NEW_CVE)
    cve_id = models.CharField(_("CVE"), max_length=30)
    finding = models.ForeignKey(
        "scanning.Finding",
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("finding"),
    )
    known_exploited = models.BooleanField(_("known exploited (KEV)"), default=False)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("threat-watch alert")
        verbose_name_plural = _("threat-watch alerts")

    def __str__(self) -> str:
        return f"{self.cve_id} → {self.finding_id}"


from rempart.threatwatch.alerts.models import (  # noqa: E402  (models of the alerts sub-package)
    AlertDelivery,
    AlertPreference,
    Bulletin,
    EstablishmentAlert,
    WatchEvent,
    WatchSubscription,
)
from rempart.threatwatch.inventory.models import (  # noqa: E402  (models of the sub-package)
    CatalogueProduct,
    DeclaredProduct,
)

__all__ = [
    "Advisory",
    "AdvisoryCve",
    "Alert",
    "AlertDelivery",
    "AlertPreference",
    "Bulletin",
    "CatalogueProduct",
    "CpeMatch",
    "Cve",
    "DeclaredProduct",
    "EpssScore",
    "EstablishmentAlert",
    "KevEntry",
    "PendingCorrelation",
    "SourceStatus",
    "WatchEvent",
    "WatchSubscription",
]
