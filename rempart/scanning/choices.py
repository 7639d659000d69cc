"""Enumerations of the scanning app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Policy(models.TextChoices):
    DISCOVERY = "discovery", _("Discovery")
    STANDARD = "standard", _("Standard")
    DEEP = "deep", _("Deep")


class ScanStatus(models.TextChoices):
    # "scan" is masculine in French, a job ("tâche") feminine: separate contexts
    QUEUED = "queued", pgettext_lazy("scan status", "Queued")
    RUNNING = "running", pgettext_lazy("scan status", "Running")
    COMPLETED = "completed", pgettext_lazy("scan status", "Completed")
    FAILED = "failed", pgettext_lazy("scan status", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("scan status", "Cancelled")


class ScanSource(models.TextChoices):
    ENGINE = "engine", _("Rempart scan")
    NMAP = "nmap", _("nmap import")
    NESSUS = "nessus", _("Nessus import")
    OPENVAS = "openvas", _("OpenVAS import")


class AssetClass(models.TextChoices):
    SERVER = "server", _("Server")
    NETWORK_CORE = "network_core", _("Network core")
    WORKSTATION = "workstation", _("Workstation")
    BIOMEDICAL = "biomedical", _("Biomedical device")
    PRINTER = "printer", _("Printer")
    IOT_BUILDING = "iot_building", _("IoT / building")
    OTHER = "other", _("Other")


class Criticality(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Severity(models.TextChoices):
    INFO = "info", _("Info")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


class Confidence(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    FIRM = "firm", _("Firm")
    TENTATIVE = "tentative", _("To verify")


class FindingStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    FIXED = "fixed", _("Fixed")
    REOPENED = "reopened", _("Reopened")
    ACCEPTED = "accepted", _("Accepted risk")
    FALSE_POSITIVE = "false_positive", _("False positive")


ACTIVE_STATUSES = (FindingStatus.NEW, FindingStatus.OPEN, FindingStatus.REOPENED)


class ObservationResult(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    NOT_COVERED = "not_covered", _("Not covered")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Frequency(models.TextChoices):
    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("Every week")
    MONTHLY = "monthly", _("Every month")
