"""Figures of the annual activity report: each module registers, for each figure, the
records behind it for a set of establishments and a year; the number is their count (or a
count of the module's choosing), so that every figure of the report drills down to its list.

A module declares its figures in `AppConfig.ready()`:

    register_figure(Figure(
        code="scanning.findings_fixed", section=_("Vulnerabilities"),
        label=_("Vulnerabilities fixed"),
        records=lambda establishments, year: Finding.objects.filter(
            establishment__in=establishments, fixed_at__range=year_range(year))))

and the report reads them:

    value = figure_value("scanning.findings_fixed",
                         establishments=establishments_for(user), year=2026)
    value.number, value.queryset        # the figure, and the rows behind it

`establishments` is always given by the caller (one establishment, or the perimeter the
access module returns): a figure never widens it. Years are calendar years in Paris time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext

from rempart.core.errors import ApplicationError

Records = Callable[[Any, int], QuerySet[Any]]


@dataclass(frozen=True)
class Figure:
    """One figure of the report: `records(establishments, year)` returns the rows behind it;
    `count` turns them into the number (their count by default; e.g. distinct people)."""

    code: str
    section: Promise | str
    label: Promise | str
    records: Records
    count: Callable[[QuerySet[Any]], int] | None = None
    order: int = 100


@dataclass(frozen=True)
class FigureValue:
    figure: Figure
    number: int
    queryset: QuerySet[Any]


FIGURES: dict[str, Figure] = {}


def register_figure(figure: Figure) -> None:
    """Declare a figure (import time, idempotent)."""
    FIGURES.setdefault(figure.code, figure)


def year_range(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The first and last instants of `year` in the platform's time zone (for `__range`)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime(year, 1, 1, tzinfo=zone)
    return start, dt.datetime(year + 1, 1, 1, tzinfo=zone) - dt.timedelta(microseconds=1)


def figure_value(code: str, *, establishments: Any, year: int) -> FigureValue:
    """The figure `code` for `establishments` in `year`, with its records."""
    figure = FIGURES.get(code)
    if figure is None:
        raise ApplicationError(gettext("Unknown figure: “%(code)s”.") % {"code": code})
    queryset = figure.records(establishments, year)
    number = figure.count(queryset) if figure.count is not None else queryset.count()
    return FigureValue(figure=figure, number=number, queryset=queryset)


def figures_for(
    *, establishments: Any, year: int, codes: Iterable[str] | None = None
) -> list[FigureValue]:
    """Every registered figure (or those of `codes`), in report order."""
    chosen = sorted(
        (FIGURES[code] for code in (codes if codes is not None else FIGURES)),
        key=lambda figure: (figure.order, figure.code),
    )
    return [figure_value(f.code, establishments=establishments, year=year) for f in chosen]
