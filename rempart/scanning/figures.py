"""Figures of the scanning module for the annual report (rempart/core/figures.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from rempart.core.figures import Figure, register_figure, year_range
from rempart.scanning.models import Finding


def findings_found(establishments: Any, year: int) -> QuerySet[Any]:
    return Finding.objects.filter(
        establishment__in=establishments, first_seen__range=year_range(year)
    )


def findings_fixed(establishments: Any, year: int) -> QuerySet[Any]:
    return Finding.objects.filter(
        establishment__in=establishments, status="fixed", fixed_at__range=year_range(year)
    )


SECTION = _("Vulnerabilities")
register_figure(
    Figure("scanning.findings_found", SECTION, _("Vulnerabilities found"), findings_found, order=20)
)
register_figure(
    Figure("scanning.findings_fixed", SECTION, _("Vulnerabilities fixed"), findings_fixed, order=21)
)
