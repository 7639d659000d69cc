"""Sending windows: French public holidays left out by default (Easter computed), included
on request, Europe/Paris hours kept across the DST change (Easter 2024 fell on it)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.utils import timezone

from rempart.phishing.campaigns.scheduling import (
    PARIS,
    ScheduleError,
    check_window,
    easter_sunday,
    public_holidays,
    send_times,
)
from rempart.phishing.campaigns.services import campaign_approve, campaign_submit
from rempart.phishing.tests import engine

UTC = dt.UTC
WEEKDAYS = [0, 1, 2, 3, 4]


def _utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def _paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2000, dt.date(2000, 4, 23)),
        (2008, dt.date(2008, 3, 23)),
        (2011, dt.date(2011, 4, 24)),
        (2024, dt.date(2024, 3, 31)),
        (2025, dt.date(2025, 4, 20)),
        (2026, dt.date(2026, 4, 5)),
        (2038, dt.date(2038, 4, 25)),
        (2285, dt.date(2285, 3, 22)),
    ],
)
def test_easter_sunday(year: int, expected: dt.date) -> None:
    assert easter_sunday(year) == expected


def test_the_eleven_public_holidays_of_2026() -> None:
    assert sorted(public_holidays(2026)) == [
        dt.date(2026, 1, 1),
        dt.date(2026, 4, 6),  # Easter Monday
        dt.date(2026, 5, 1),
        dt.date(2026, 5, 8),
        dt.date(2026, 5, 14),  # Ascension
        dt.date(2026, 5, 25),  # Whit Monday
        dt.date(2026, 7, 14),
        dt.date(2026, 8, 15),
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 11),
        dt.date(2026, 12, 25),
    ]


def test_easter_monday_on_the_dst_weekend_is_skipped_and_hours_follow_the_clocks() -> None:
    # Easter 2024 was on 31 March, the night clocks went forward; Easter Monday is 1 April.
    window = check_window(WEEKDAYS, 9, 17, skip_public_holidays=True)
    intervals = list(window.intervals(_paris(2024, 3, 29, 0), _paris(2024, 4, 3, 0)))
    assert intervals == [
        (_utc(2024, 3, 29, 8), _utc(2024, 3, 29, 16)),  # Friday, 9 h-17 h CET (UTC+1)
        (_utc(2024, 4, 2, 7), _utc(2024, 4, 2, 15)),  # Tuesday, 9 h-17 h CEST (UTC+2)
    ]
    included = check_window(WEEKDAYS, 9, 17, skip_public_holidays=False)
    days = [low for low, _ in included.intervals(_paris(2024, 3, 29, 0), _paris(2024, 4, 3, 0))]
    assert _utc(2024, 4, 1, 7) in days  # Easter Monday, 9 h CEST


def test_fourteen_july_gets_no_message_by_default() -> None:
    # 14 July 2025 was a Monday: messages spread from Friday 11 to Tuesday 15 (8 h-18 h)
    start, end = _paris(2025, 7, 11, 0), _paris(2025, 7, 16, 0)
    skipping = check_window(WEEKDAYS, 8, 18, skip_public_holidays=True)
    times = send_times(
        300, window=skipping, start=start, end=end, rate_per_second=10, rng=random.Random(1)
    )
    local_days = {moment.astimezone(PARIS).date() for moment in times}
    assert local_days == {dt.date(2025, 7, 11), dt.date(2025, 7, 15)}
    assert all(8 <= moment.astimezone(PARIS).hour < 18 for moment in times)
    assert not skipping.contains(_paris(2025, 7, 14, 10))
    assert skipping.contains(_paris(2025, 7, 15, 10))
    # included on request
    including = check_window(WEEKDAYS, 8, 18, skip_public_holidays=False)
    times = send_times(
        300, window=including, start=start, end=end, rate_per_second=10, rng=random.Random(1)
    )
    assert dt.date(2025, 7, 14) in {moment.astimezone(PARIS).date() for moment in times}
    assert including.contains(_paris(2025, 7, 14, 10))


def test_a_window_of_holidays_only_cannot_be_scheduled() -> None:
    window = check_window([0], 8, 18, skip_public_holidays=True)
    with pytest.raises(ScheduleError):
        send_times(
            5,
            window=window,
            start=_paris(2025, 4, 21, 0),  # Easter Monday 2025
            end=_paris(2025, 4, 22, 0),
            rate_per_second=1,
        )


@pytest.mark.django_db
@pytest.mark.parametrize("skip", [True, False])
def test_a_launched_campaign_follows_its_holiday_choice(
    skip: bool, establishment_a: Any, alice: Any, operator_admin: Any
) -> None:
    # given a campaign spread over next year's Easter weekend, Friday to Tuesday
    easter_monday = easter_sunday(timezone.localdate().year + 1) + dt.timedelta(days=1)
    group = engine.recipients(establishment_a, 40)
    campaign = engine.campaign(
        establishment_a,
        alice,
        port=1,
        groups=[group],
        weekdays=WEEKDAYS,
        hour_start=8,
        hour_end=18,
        launch_at=dt.datetime.combine(easter_monday - dt.timedelta(days=3), dt.time(), PARIS),
        send_by=dt.datetime.combine(easter_monday + dt.timedelta(days=2), dt.time(), PARIS),
        retention_until=easter_monday + dt.timedelta(days=90),
        skip_public_holidays=skip,
    )
    # when it is approved
    campaign_submit(campaign=campaign, actor=alice)
    campaign_approve(campaign=campaign, actor=operator_admin, rng=random.Random(3))
    # then the targets' send times avoid Easter Monday only if the campaign skips holidays
    days = {t.astimezone(PARIS).date() for t in campaign.targets.values_list("send_at", flat=True)}
    assert (easter_monday in days) is not skip
    assert days <= {
        easter_monday - dt.timedelta(days=3),
        easter_monday,
        easter_monday + dt.timedelta(days=1),
    }
