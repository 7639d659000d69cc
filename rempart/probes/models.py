"""Remote scan probes, their enrolment codes, the jobs they run and the chunks they upload."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rempart.core.models import TenantOwnedModel
from rempart.probes.choices import JobStatus


class Probe(TenantOwnedModel):
    """A probe on a site of the establishment, known by its Ed25519 public key."""

    site = models.ForeignKey(
        "tenancy.Site",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="probes",
        verbose_name=_("site"),
    )
    name = models.CharField(_("name"), max_length=200)
    public_key = models.CharField(_("public key"), max_length=100)
    key_fingerprint = models.CharField(_("key fingerprint"), max_length=64, unique=True)
    enrolled_at = models.DateTimeField(_("enrolled at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    version = models.CharField(_("version"), max_length=50, blank=True)
    load = models.FloatField(_("load"), null=True, blank=True)
    last_job = models.CharField(_("last job"), max_length=100, blank=True)
    silent_since = models.DateTimeField(_("silent since"), null=True, blank=True)
    heartbeat_interval_s = models.PositiveIntegerField(_("heartbeat interval (s)"), default=60)
    scopes = models.ManyToManyField(
        "scanning.Scope", blank=True, related_name="probes", verbose_name=_("scopes scanned")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("scan probe")
        verbose_name_plural = _("scan probes")

    def __str__(self) -> str:
        return self.name


class EnrolmentCode(TenantOwnedModel):
    """A one-time code that lets one new probe enrol; only its hash is kept."""

    site = models.ForeignKey(
        "tenancy.Site",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    probe_name = models.CharField(_("probe name"), max_length=200)
    code_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    probe = models.ForeignKey(
        Probe,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("probe"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("enrolment code")
        verbose_name_plural = _("enrolment codes")

    def __str__(self) -> str:
        return self.probe_name


class ProbeJob(TenantOwnedModel):
    """One scan handed to a probe: the signed document and what came back."""

    probe = models.ForeignKey(
        Probe, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("probe")
    )
    scan = models.OneToOneField(
        "scanning.Scan", on_delete=models.CASCADE, related_name="probe_job", verbose_name=_("scan")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=JobStatus, default=JobStatus.PENDING, db_index=True
    )
    document = models.JSONField(_("signed job"), default=dict)
    signature = models.CharField(_("signature"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("probe job")
        verbose_name_plural = _("probe jobs")

    def __str__(self) -> str:
        return str(self.public_id)


class ResultChunk(models.Model):
    """A piece of a job's result; the idempotency key makes a retried upload count once."""

    job = models.ForeignKey(ProbeJob, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    idempotency_key = models.CharField(max_length=200)
    data = models.BinaryField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["job", "idempotency_key"], name="probes_chunk_key"),
            models.UniqueConstraint(fields=["job", "index"], name="probes_chunk_index"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.index}"


class SeenNonce(models.Model):
    """Nonces of signed requests inside the replay window: a replayed request is refused."""

    probe_fingerprint = models.CharField(max_length=64)
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["probe_fingerprint", "nonce"], name="probes_nonce")
        ]

    def __str__(self) -> str:
        return self.nonce
