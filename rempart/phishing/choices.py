"""Choices of the phishing app, shared by models, forms and filters."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MailSecurity(models.TextChoices):
    STARTTLS = "starttls", _("STARTTLS")
    TLS = "tls", _("TLS (implicit)")
    NONE = "none", _("None (local relay only)")


class PremiseAlignment(models.TextChoices):
    """NIST Phish Scale: how well the lure's premise fits the recipients' work."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Difficulty(models.TextChoices):
    """NIST Phish Scale detection difficulty (cues and premise alignment)."""

    LEAST = "least", _("Least difficult")
    MODERATE = "moderate", _("Moderately difficult")
    VERY = "very", _("Very difficult")


class AfterSubmit(models.TextChoices):
    TEACHABLE = "teachable", _("Show the teachable page")
    REDIRECT = "redirect", _("Redirect to an address")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting approval")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    RUNNING = "running", _("Running")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class ResultsMode(models.TextChoices):
    PSEUDONYMOUS = "pseudonymous", _("Pseudonymous (default)")
    IDENTIFIED = "identified", _("Identified (DPO approval required)")
    ANONYMOUS = "anonymous", _("Anonymous (no link kept after sending)")


class TeachableOn(models.TextChoices):
    CLICK = "click", _("On the click (instead of the landing page)")
    SUBMIT = "submit", _("After the form is submitted")


class TargetState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class InteractionKind(models.TextChoices):
    OPEN = "open", _("Opened")
    CLICK = "click", _("Clicked")
    HUMAN = "human", _("Human confirmation")
    SUBMIT = "submit", _("Submitted data")
    LEARN = "learn", _("Read the teachable page")
    REPORT = "report", _("Reported")


class ScannerSignal(models.TextChoices):
    """Why a tracking hit looks like a mail-security scanner's (`tracking/hits.py`)."""

    TOO_FAST = "too_fast", _("too soon after delivery")
    SCANNER_NETWORK = "scanner_network", _("mail-security network")
    AUTOMATED_AGENT = "automated_agent", _("automated user agent")
    PREFETCH = "prefetch", _("prefetch or HEAD request")
    BURST = "burst", _("burst across recipients")


class ReportKind(models.TextChoices):
    SIMULATION = "simulation", _("Simulation")
    SUSPICIOUS = "suspicious", _("Suspicious message to triage")


class TriageState(models.TextChoices):
    NEW = "new", _("To triage")
    PHISHING = "phishing", _("Confirmed phishing")
    SPAM = "spam", _("Spam")
    BENIGN = "benign", _("Legitimate")
    CLOSED = "closed", _("Closed")


class LegalBasis(models.TextChoices):
    PUBLIC_TASK = "public_task", _("Task in the public interest (GDPR art. 6(1)(e))")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest (GDPR art. 6(1)(f))")
