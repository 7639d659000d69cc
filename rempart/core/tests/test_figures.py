"""Figures of the annual report: each equals the count of its drill-down list, for the
establishments given and the calendar year in Paris time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from rempart.core.errors import ApplicationError
from rempart.core.figures import FIGURES, figure_value, figures_for
from rempart.phishing.tests.factories import CampaignFactory
from rempart.scanning.tests.factories import FindingFactory
from rempart.tenancy.access import establishments_for
from rempart.tenancy.models import Establishment

pytestmark = pytest.mark.django_db
PARIS = dt.timezone(dt.timedelta(hours=1))


def _fixed(establishment: Any, at: dt.datetime) -> Any:
    return FindingFactory(establishment=establishment, status="fixed", fixed_at=at)


def test_findings_fixed_in_a_year(establishment_a: Any, establishment_b: Any) -> None:
    # given: fixes around New Year in Paris time, in two establishments
    last_minute = _fixed(establishment_a, dt.datetime(2025, 12, 31, 23, 30, tzinfo=PARIS))
    _fixed(establishment_a, dt.datetime(2026, 1, 1, 0, 30, tzinfo=PARIS))
    _fixed(establishment_b, dt.datetime(2025, 6, 1, 12, tzinfo=PARIS))
    FindingFactory(establishment=establishment_a, status="open")
    only_a = Establishment.objects.filter(pk=establishment_a.pk)
    # when
    value = figure_value("scanning.findings_fixed", establishments=only_a, year=2025)
    # then
    assert value.number == 1
    assert list(value.queryset) == [last_minute]
    both = Establishment.objects.filter(pk__in=[establishment_a.pk, establishment_b.pk])
    assert figure_value("scanning.findings_fixed", establishments=both, year=2025).number == 2


def test_a_figure_never_widens_the_perimeter(alice: Any, establishment_b: Any) -> None:
    _fixed(establishment_b, dt.datetime(2025, 6, 1, 12, tzinfo=PARIS))
    mine = establishments_for(alice)
    assert figure_value("scanning.findings_fixed", establishments=mine, year=2025).number == 0


def test_campaigns_run_and_every_figure_equals_its_list(establishment_a: Any) -> None:
    CampaignFactory(
        establishment=establishment_a,
        status="closed",
        launched_at=dt.datetime(2026, 3, 2, 9, tzinfo=PARIS),
    )
    CampaignFactory(establishment=establishment_a)  # a draft: never launched
    scope = Establishment.objects.filter(pk=establishment_a.pk)
    values = figures_for(establishments=scope, year=2026)
    assert [v.figure.code for v in values] == sorted(
        FIGURES, key=lambda code: (FIGURES[code].order, code)
    )
    for value in values:
        assert value.number == len(list(value.queryset))
    by_code = {v.figure.code: v.number for v in values}
    assert by_code["phishing.campaigns_run"] == 1
    with pytest.raises(ApplicationError):
        figure_value("nope.nothing", establishments=scope, year=2026)
