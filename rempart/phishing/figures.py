"""Figures of the phishing module for the annual report (rempart/core/figures.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from rempart.core.figures import Figure, register_figure, year_range
from rempart.phishing.models import Campaign


def campaigns_run(establishments: Any, year: int) -> QuerySet[Any]:
    """Campaigns whose first message left in `year` (drafts and cancelled-before-launch
    campaigns have no launch time)."""
    return Campaign.objects.filter(
        establishment__in=establishments, launched_at__range=year_range(year)
    )


register_figure(
    Figure(
        "phishing.campaigns_run",
        _("Phishing simulations"),
        _("Phishing campaigns run"),
        campaigns_run,
        order=40,
    )
)
