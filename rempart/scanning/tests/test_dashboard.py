"""The vulnerability dashboard page and the charts it draws."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from rempart.core.charts import ChartData, ChartText, Series, nice_ticks, stacked_bar_chart
from rempart.scanning.tests.factories import AssetFactory, FindingFactory, ScanFactory

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_nice_ticks() -> None:
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(4) == [0, 1, 2, 3, 4]
    assert nice_ticks(23) == [0, 5, 10, 15, 20, 25]
    assert nice_ticks(1040)[-1] >= 1040


def test_chart_markup_is_accessible_and_escaped() -> None:
    text = ChartText(
        title="Tendance <b>",
        description="Deux semaines",
        x_label="Semaine",
        y_label="Vulnérabilités",
    )
    data = ChartData(
        categories=["<script>alert(1)</script>", "S2"],
        series=[Series("high", "Élevée", "#b91c1c")],
        values={"high": [3, 0]},
    )
    html = str(stacked_bar_chart(chart_id="c1", text=text, data=data))
    assert 'role="img" aria-labelledby="c1-title c1-desc"' in html
    assert '<title id="c1-title">Tendance &lt;b&gt;</title>' in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert '<div class="visually-hidden"><table class="">' in html  # no page widening
    assert '<th scope="row">S2</th><td>0</td><td>0</td>' in html
    assert "style=" not in html  # strict CSP: presentation attributes only


@pytest.fixture
def crowded(establishment_a: Any) -> None:
    now = timezone.now()
    assets = [
        AssetFactory(establishment=establishment_a, asset_class=c)
        for c in ("server", "workstation", "biomedical", "printer") * 10
    ]
    for index in range(1000):
        first_seen = now - dt.timedelta(days=index % 120)
        FindingFactory(
            establishment=establishment_a,
            asset=assets[index % 40],
            severity=("critical", "high", "medium", "low", "info")[index % 5],
            first_seen=first_seen,
            due_at=first_seen + dt.timedelta(days=30),
            status="fixed" if index % 4 == 0 else "open",
            fixed_at=now - dt.timedelta(days=index % 3) if index % 4 == 0 else None,
        )
    ScanFactory(establishment=establishment_a, finished_at=now)


def test_dashboard_page(crowded: None, bob: Any, django_assert_max_num_queries: Any) -> None:
    client = _client(bob)
    client.get("/e/ch-alpha/security/")  # per-process caches
    with django_assert_max_num_queries(12):
        response = client.get("/e/ch-alpha/security/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('role="img"') == 3
    assert 'id="chart-trend"' in page
    assert re.search(r'<p class="display-6 mb-2">\s*750\s*</p>', page)  # open findings
    assert "/e/ch-alpha/findings/?overdue=true" in page
    assert 'style="' not in page


def test_dashboard_period(bob: Any, establishment_a: Any) -> None:
    page = _client(bob).get("/e/ch-alpha/security/?weeks=26").content.decode()
    assert page.count('<th scope="row">', page.index('id="chart-trend"')) >= 26
    assert _client(bob).get("/e/ch-alpha/security/?weeks=oops").status_code == 200
