"""What a user may do to an object; the access module maps roles to these."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    VIEW = "view", _("View")
    CHANGE = "change", _("Change")
    DELETE = "delete", _("Delete")
    MANAGE = "manage", _("Manage")
