"""Statuses and priorities of action items."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ActionStatus(models.TextChoices):
    TODO = "todo", pgettext_lazy("action status", "To do")
    IN_PROGRESS = "in_progress", pgettext_lazy("action status", "In progress")
    DONE = "done", pgettext_lazy("action status", "Done")
    ABANDONED = "abandoned", pgettext_lazy("action status", "Abandoned")


CLOSED_STATUSES = (ActionStatus.DONE, ActionStatus.ABANDONED)


class ActionPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


PRIORITY_ORDER = {
    ActionPriority.CRITICAL: 0,
    ActionPriority.HIGH: 1,
    ActionPriority.NORMAL: 2,
    ActionPriority.LOW: 3,
}
