"""Reports by staff: the mailbox where suspicious e-mails are forwarded, and what arrived."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rempart.core.crypto import EncryptedTextField
from rempart.core.models import TenantOwnedModel
from rempart.phishing.choices import MailSecurity, ReportKind, TriageState
from rempart.phishing.models.campaigns import Target


class ReportMailbox(TenantOwnedModel):
    """An IMAP mailbox polled for reports (the "signalement" address staff forward to)."""

    name = models.CharField(_("name"), max_length=200)
    host = models.CharField(_("IMAP host"), max_length=253)
    port = models.PositiveIntegerField(
        _("port"), default=993, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    security = models.CharField(
        _("security"), max_length=10, choices=MailSecurity.choices, default=MailSecurity.TLS
    )
    username = models.CharField(_("user name"), max_length=254)
    password = EncryptedTextField(_("password"), blank=True)
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    enabled = models.BooleanField(_("enabled"), default=True)
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("report mailbox")
        verbose_name_plural = _("report mailboxes")

    def __str__(self) -> str:
        return self.name


class PhishReport(TenantOwnedModel):
    """A message staff reported. A simulation's report is counted on its target (and keeps
    no reporter); any other report waits in the triage queue with what the team needs."""

    mailbox = models.ForeignKey(
        ReportMailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ReportKind.choices)
    target = models.ForeignKey(
        Target, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    received_at = models.DateTimeField(_("received at"))
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    reporter = models.CharField(_("reported by"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    original_from = models.CharField(_("original sender"), max_length=300, blank=True)
    urls = models.JSONField(_("links found"), default=list, blank=True)
    triage_state = models.CharField(
        _("triage"), max_length=10, choices=TriageState.choices, default=TriageState.NEW
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("reported e-mail")
        verbose_name_plural = _("reported e-mails")
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "message_id"],
                condition=~models.Q(message_id=""),
                name="phishing_report_once_per_message",
            )
        ]

    def __str__(self) -> str:
        return self.subject or self.message_id
