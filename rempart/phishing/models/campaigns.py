"""Campaigns and what they produce: one target per recipient (the outbox row and the
pseudonymous result), tracked interactions and training assignments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rempart.core.models import TenantOwnedModel
from rempart.phishing.choices import (
    CampaignStatus,
    InteractionKind,
    LegalBasis,
    ResultsMode,
    TargetState,
    TeachableOn,
)
from rempart.phishing.models.config import EmailTemplate, LandingPage, SendingProfile
from rempart.phishing.models.recipients import Recipient, RecipientGroup

USER = settings.AUTH_USER_MODEL


def _default_weekdays() -> list[int]:
    return [0, 1, 2, 3, 4]


class Campaign(TenantOwnedModel):
    """draft → pending (awaiting a second person's approval) → scheduled → sending → running
    → closed. Sending is spread between `launch_at` and `send_by`, on the allowed weekdays
    and hours (Europe/Paris), public holidays excepted unless asked, in random order.

    Results are pseudonymous; `identified` mode shows who did what only once the
    establishment's DPO has approved it (`identified_approved_*`), until the purge;
    `anonymous` mode cuts each person ↔ result link as soon as the message is sent
    (`rempart.phishing.campaigns.anonymity`), and `purged_at` records when the last one was cut."""

    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    sending_profile = models.ForeignKey(
        SendingProfile,
        on_delete=models.PROTECT,
        null=True,
        related_name="campaigns",
        verbose_name=_("sending profile"),
    )
    landing_page = models.ForeignKey(
        LandingPage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("landing page"),
    )
    groups = models.ManyToManyField(
        RecipientGroup, related_name="campaigns", verbose_name=_("recipient groups")
    )
    teachable_on = models.CharField(
        _("teachable page"), max_length=10, choices=TeachableOn.choices, default=TeachableOn.CLICK
    )
    mode = models.CharField(
        _("results"), max_length=15, choices=ResultsMode.choices, default=ResultsMode.PSEUDONYMOUS
    )
    identified_approved_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("identified results approved by (DPO)"),
    )
    identified_approved_at = models.DateTimeField(
        _("identified results approved at"), null=True, blank=True
    )
    identified_justification = models.TextField(
        _("justification of identified results"), blank=True
    )
    launch_at = models.DateTimeField(_("launch at"), null=True, blank=True)
    send_by = models.DateTimeField(_("send by"), null=True, blank=True)
    weekdays = models.JSONField(_("weekdays"), default=_default_weekdays)
    hour_start = models.PositiveSmallIntegerField(_("from (hour)"), default=8)
    hour_end = models.PositiveSmallIntegerField(_("until (hour)"), default=18)
    jitter_seconds = models.PositiveIntegerField(_("jitter (seconds)"), default=60)
    skip_public_holidays = models.BooleanField(_("skip public holidays"), default=True)
    retention_until = models.DateField(_("keep the person ↔ result link until"))
    legal_basis = models.CharField(
        _("legal basis"), max_length=25, choices=LegalBasis.choices, default=LegalBasis.PUBLIC_TASK
    )
    staff_informed_on = models.DateField(_("staff informed on"), null=True, blank=True)
    cse_consulted_on = models.DateField(
        _("staff committee (CSE / CSEtab) consulted on"), null=True, blank=True
    )
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    submitted_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    purged_at = models.DateTimeField(_("person ↔ result link purged at"), null=True, blank=True)
    sender_lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("phishing campaign")
        verbose_name_plural = _("phishing campaigns")

    def __str__(self) -> str:
        return self.name


class CampaignVariant(TenantOwnedModel):
    """One e-mail of a campaign; its content is copied from the template at approval so that
    later edits of the template do not change what was sent."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    template = models.ForeignKey(
        EmailTemplate, on_delete=models.PROTECT, related_name="variants", verbose_name=_("template")
    )
    label = models.CharField(_("variant"), max_length=10)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    html = models.TextField(blank=True)
    text = models.TextField(blank=True)
    cues = models.JSONField(default=list, blank=True)
    difficulty = models.CharField(max_length=10, blank=True)
    lesson = models.TextField(blank=True)

    class Meta:
        ordering = ["campaign", "label"]
        verbose_name = _("campaign variant")
        verbose_name_plural = _("campaign variants")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "label"], name="phishing_variant_label")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.label}"


class Target(TenantOwnedModel):
    """One recipient in one campaign: the outbox row (state, attempts, send time) and the
    pseudonymous result (first open, click, submission, report, training). `recipient` is
    the only link to the person; it is cut at the campaign's retention date, or as soon as the
    message is sent in anonymous mode."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    variant = models.ForeignKey(CampaignVariant, on_delete=models.PROTECT, related_name="targets")
    recipient = models.ForeignKey(
        Recipient, on_delete=models.SET_NULL, null=True, blank=True, related_name="targets"
    )
    token = models.CharField(max_length=64, unique=True)
    pseudonym = models.CharField(_("pseudonym"), max_length=16)
    department = models.CharField(_("department or service"), max_length=200, blank=True)
    job_family = models.CharField(_("job family"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=TargetState.choices, default=TargetState.QUEUED
    )
    send_at = models.DateTimeField(_("send at"))
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    trained_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign", "pseudonym"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        indexes = [models.Index(fields=["campaign", "state", "send_at"], name="phishing_outbox")]

    def __str__(self) -> str:
        return self.pseudonym


class Interaction(TenantOwnedModel):
    """A tracking hit, stored with its signals and whether it looks like a mail-security
    scanner. Never holds submitted values: only the names of the submitted fields."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="interactions")
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(_("kind"), max_length=10, choices=InteractionKind.choices)
    at = models.DateTimeField(_("at"))
    method = models.CharField(max_length=8, blank=True)
    ip_prefix = models.CharField(_("network (truncated address)"), max_length=64, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    signals = models.JSONField(_("signals"), default=list, blank=True)
    scanner = models.BooleanField(_("looks automated"), default=False)
    field_names = models.JSONField(_("submitted field names"), default=list, blank=True)

    class Meta:
        ordering = ["at"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(fields=["campaign", "kind"], name="phishing_interaction_kind"),
            models.Index(fields=["ip_prefix", "at"], name="phishing_interaction_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M:%S}"


class TrainingAssignment(TenantOwnedModel):
    """Who should be trained after a simulation (the awareness module consumes these)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="trainings")
    target = models.OneToOneField(Target, on_delete=models.CASCADE, related_name="training")
    reason = models.CharField(_("reason"), max_length=10, choices=InteractionKind.choices)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("training assignment")
        verbose_name_plural = _("training assignments")

    def __str__(self) -> str:
        return f"{self.target} · {self.reason}"
