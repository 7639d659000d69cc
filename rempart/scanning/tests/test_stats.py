"""Vulnerability statistics on a small hand-built set of findings with known dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from rempart.scanning.stats import (
    establishment_headline,
    establishment_stats,
    regional_stats,
    trend_instants,
)
from rempart.scanning.tests.factories import AssetFactory, FindingFactory, ScanFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


@pytest.fixture
def world(establishment_a: Any, establishment_b: Any) -> dict[str, Any]:
    """Nine findings of A over three assets (see each line), one of B."""
    server = AssetFactory(
        establishment=establishment_a, address="10.0.0.1", name="srv-dpi", asset_class="server"
    )
    workstation = AssetFactory(
        establishment=establishment_a, address="10.0.0.2", asset_class="workstation"
    )
    device = AssetFactory(
        establishment=establishment_a, address="10.0.0.3", asset_class="biomedical"
    )

    def finding(asset: Any, severity: str, status: str, first_seen: float, **extra: Any) -> Any:
        return FindingFactory(
            establishment=establishment_a,
            asset=asset,
            severity=severity,
            status=status,
            first_seen=ago(first_seen),
            last_seen=NOW,
            **extra,
        )

    finding(server, "critical", "open", 25, due_at=ago(18))  # overdue, present all along
    finding(server, "high", "new", 10, due_at=ago(-20))  # present the last two weeks
    finding(workstation, "medium", "fixed", 29, fixed_at=ago(8))  # fixed in 21 days
    finding(workstation, "low", "false_positive", 40)  # never counted
    finding(device, "high", "accepted", 20)  # present (accepted), not open
    finding(workstation, "high", "fixed", 60, fixed_at=ago(45))  # fixed before the period
    finding(device, "medium", "reopened", 5, due_at=ago(1))  # overdue
    finding(server, "info", "open", 3)  # open, weighs nothing
    finding(workstation, "high", "fixed", 12, fixed_at=ago(2))  # fixed in 10 days
    FindingFactory(
        establishment=establishment_b, severity="critical", first_seen=ago(5), last_seen=NOW
    )
    ScanFactory(establishment=establishment_a, status="completed", finished_at=ago(1))
    ScanFactory(establishment=establishment_a, status="completed", finished_at=ago(3))
    ScanFactory(establishment=establishment_a, status="failed", finished_at=NOW)
    return {"server": server, "device": device}


def test_trend_instants_are_weekly_and_end_now() -> None:
    assert trend_instants(4, NOW) == [ago(21), ago(14), ago(7), NOW]


def test_open_overdue_accepted_and_recent(world: dict[str, Any], establishment_a: Any) -> None:
    stats = establishment_stats(establishment=establishment_a, weeks=4, now=NOW)
    assert stats.open_by_severity == {"critical": 1, "high": 1, "medium": 1, "low": 0, "info": 1}
    assert stats.open_total == 4
    assert stats.overdue == 2
    assert stats.accepted == 1
    assert stats.new_recent == 7  # first seen in the last 30 days, false positive excluded
    assert stats.fixed_recent == 2
    assert stats.assets == 3
    assert stats.last_scan == ago(1)  # the failed scan does not count


def test_weekly_trend_buckets(world: dict[str, Any], establishment_a: Any) -> None:
    stats = establishment_stats(establishment=establishment_a, weeks=4, now=NOW)
    assert [point.at for point in stats.trend] == [ago(21), ago(14), ago(7), NOW]
    assert [point.counts for point in stats.trend] == [
        {"critical": 1, "high": 0, "medium": 1, "low": 0, "info": 0},
        {"critical": 1, "high": 1, "medium": 1, "low": 0, "info": 0},
        {"critical": 1, "high": 3, "medium": 0, "low": 0, "info": 0},
        {"critical": 1, "high": 2, "medium": 1, "low": 0, "info": 1},
    ]


def test_mean_time_to_remediate(world: dict[str, Any], establishment_a: Any) -> None:
    stats = establishment_stats(establishment=establishment_a, weeks=4, now=NOW)
    assert stats.fixed_in_period == 2
    assert stats.mttr_days == 15.5
    assert stats.mttr_by_severity == {
        "critical": None,
        "high": 10.0,
        "medium": 21.0,
        "low": None,
        "info": None,
    }
    longer = establishment_stats(establishment=establishment_a, weeks=12, now=NOW)
    assert longer.fixed_in_period == 3
    assert longer.mttr_days == pytest.approx((21 + 10 + 15) / 3, abs=0.05)


def test_asset_classes_and_top_assets(world: dict[str, Any], establishment_a: Any) -> None:
    stats = establishment_stats(establishment=establishment_a, weeks=4, now=NOW)
    assert stats.by_asset_class == [
        ("server", {"critical": 1, "high": 1, "medium": 0, "low": 0, "info": 1}),
        ("biomedical", {"critical": 0, "high": 0, "medium": 1, "low": 0, "info": 0}),
    ]
    assert [(a.address, a.score) for a in stats.top_assets] == [("10.0.0.1", 15), ("10.0.0.3", 2)]
    assert stats.top_assets[0].label == "srv-dpi (10.0.0.1)"
    assert stats.top_assets[0].public_id == world["server"].public_id


def test_empty_establishment(establishment_b: Any) -> None:
    stats = establishment_stats(establishment=establishment_b, weeks=3, now=NOW)
    assert stats.open_total == 0
    assert stats.mttr_days is None
    assert [p.total for p in stats.trend] == [0, 0, 0]
    assert stats.top_assets == []
    assert stats.last_scan is None


def test_weeks_are_clamped(establishment_b: Any) -> None:
    assert establishment_stats(establishment=establishment_b, weeks=500).weeks == 52
    assert len(establishment_stats(establishment=establishment_b, weeks=0).trend) == 1


def test_headline(world: dict[str, Any], establishment_a: Any) -> None:
    headline = establishment_headline(establishment=establishment_a, now=NOW)
    assert headline["open_total"] == 4
    assert headline["assets"] == 3
    assert headline["overdue"] == 2
    assert headline["open_by_severity"]["critical"] == 1


def test_regional(world: dict[str, Any], establishment_a: Any, establishment_b: Any) -> None:
    regional = regional_stats(establishments=[establishment_a, establishment_b], weeks=4, now=NOW)
    lines = {line.establishment.slug: line for line in regional.establishments}
    assert lines["ch-alpha"].open_total == 4
    assert lines["ch-alpha"].overdue == 2
    assert lines["ch-alpha"].last_scan == ago(1)
    assert lines["ehpad-bravo"].open_by_severity["critical"] == 1
    assert lines["ehpad-bravo"].last_scan is None
    assert regional.open_by_severity == {"critical": 2, "high": 1, "medium": 1, "low": 0, "info": 1}
    assert [p.total for p in regional.trend] == [2, 3, 4, 6]
    ght, no_group = regional.groups
    assert (ght.group.name, ght.establishments, ght.open_total) == ("GHT Test", 1, 4)
    assert (no_group.group, no_group.never_scanned, no_group.open_total) == (None, 1, 1)


def test_stats_query_count_is_bounded(
    establishment_a: Any, django_assert_max_num_queries: Any
) -> None:
    assets = [AssetFactory(establishment=establishment_a) for _ in range(20)]
    for index in range(1000):
        FindingFactory(
            establishment=establishment_a,
            asset=assets[index % 20],
            severity=("critical", "high", "medium", "low")[index % 4],
            first_seen=ago(index % 90),
            fixed_at=ago(index % 5) if index % 3 else None,
            status="fixed" if index % 3 else "open",
        )
    with django_assert_max_num_queries(6):
        stats = establishment_stats(establishment=establishment_a, weeks=12)
    assert stats.open_total == 334
    with django_assert_max_num_queries(2):
        regional_stats(establishments=[establishment_a])
