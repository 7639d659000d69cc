"""Enumerations of the tenancy app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EstablishmentCategory(models.TextChoices):
    CHU = "chu", _("University hospital (CHU)")
    CH = "ch", _("Hospital (CH)")
    CLINIC = "clinic", _("Private clinic")
    ESPIC = "espic", _("Private non-profit hospital (ESPIC)")
    EHPAD = "ehpad", _("Care home (EHPAD)")
    MEDICO_SOCIAL = "medico_social", _("Medico-social structure")
    OPERATOR = "operator", _("Regional operator")
    OTHER = "other", _("Other")


class GroupKind(models.TextChoices):
    GHT = "ght", _("Regional hospital group (GHT)")
    OTHER = "other", _("Other grouping")


class MemberRole(models.TextChoices):
    REFERENT = "referent", _("Security referent")
    DPO = "dpo", _("DPO")
    CONTRIBUTOR = "contributor", _("Contributor")
    VIEWER = "viewer", _("Viewer")


class OperatorRole(models.TextChoices):
    ADMIN = "admin", _("Operator administrator")
    ANALYST = "analyst", _("Operator analyst")


class ContactRole(models.TextChoices):
    DIRECTOR = "director", _("Director")
    CISO = "ciso", _("CISO (RSSI)")
    DPO = "dpo", _("DPO")
    IT_DIRECTOR = "it_director", _("IT director (DSI)")
    QUALITY = "quality", _("Quality manager")
    ON_CALL = "on_call", _("On-call contact")
