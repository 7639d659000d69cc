"""Categories of declared products."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductCategory(models.TextChoices):
    PATIENT_RECORD = "patient_record", _("Patient record")
    IMAGING = "imaging", _("Imaging (PACS)")
    LABORATORY = "laboratory", _("Laboratory")
    PHARMACY = "pharmacy", _("Pharmacy")
    BILLING = "billing", _("Billing")
    HR = "hr", _("Human resources")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    REMOTE_ACCESS = "remote_access", _("Remote access")
    EDR = "edr", _("EDR / antivirus")
    BACKUP = "backup", _("Backup")
    FIREWALL = "firewall", _("Firewall")
    OTHER = "other", _("Other")


SECURITY_TOOLING = frozenset(
    {
        ProductCategory.REMOTE_ACCESS,
        ProductCategory.EDR,
        ProductCategory.BACKUP,
        ProductCategory.FIREWALL,
    }
)
