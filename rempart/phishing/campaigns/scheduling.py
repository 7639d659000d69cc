"""When each message of a campaign goes out: spread over the allowed hours, random order.

Campaigns send between `launch_at` and `send_by`, only on the allowed weekdays and between
`hour_start` and `hour_end` in Europe/Paris (the windows are built in local time, so a DST
change moves them with the clocks), and not on French public holidays (métropole) unless
the campaign includes them: staff are mostly absent, and a message on a holiday stands out.
Each recipient gets a random place in the shuffled
list and a random instant in its slot (stratified sampling: an even spread without a
deterministic order, unlike GoPhish's minute-by-minute list order), plus a jitter that
never leaves the window. Without `send_by`, the campaign takes the time its sending rate
needs, counted in allowed hours only.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from rempart.core.errors import ApplicationError

PARIS = ZoneInfo("Europe/Paris")
MAX_DAYS = 370
MIDNIGHT = 24  # an end hour of 24 means until midnight


class ScheduleError(ApplicationError):
    """No allowed sending time in the requested window."""


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


@functools.cache
def public_holidays(year: int) -> frozenset[dt.date]:
    """The eleven French public holidays of metropolitan France (Code du travail L3133-1);
    Alsace-Moselle's Good Friday and 26 December are not included."""
    easter = easter_sunday(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    moving = [easter + dt.timedelta(days=days) for days in (1, 39, 50)]  # Monday, Ascension, Whit
    return frozenset([dt.date(year, month, day) for month, day in fixed] + moving)


def is_public_holiday(day: dt.date) -> bool:
    return day in public_holidays(day.year)


@dataclass(frozen=True)
class Window:
    weekdays: frozenset[int]  # 0 = Monday
    hour_start: int
    hour_end: int  # exclusive; 24 allowed
    skip_public_holidays: bool = False

    def allows(self, day: dt.date) -> bool:
        """Whether messages may go out on `day` (a Paris calendar day)."""
        if day.weekday() not in self.weekdays:
            return False
        return not (self.skip_public_holidays and is_public_holiday(day))

    def intervals(
        self, start: dt.datetime, end: dt.datetime
    ) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Allowed [from, to) intervals (aware, UTC) between `start` and `end`."""
        day = start.astimezone(PARIS).date()
        last = end.astimezone(PARIS).date()
        while day <= last:
            if self.allows(day):
                opens = _local(day, self.hour_start)
                closes = _local(day, self.hour_end)
                low, high = max(opens, start), min(closes, end)
                if low < high:
                    yield low, high
            day += dt.timedelta(days=1)

    def contains(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(PARIS)
        return self.allows(local.date()) and self.hour_start <= local.hour < self.hour_end


def _local(day: dt.date, hour: int) -> dt.datetime:
    """`hour` o'clock on `day` in Paris, as UTC (24 means the next midnight)."""
    if hour == MIDNIGHT:
        day, hour = day + dt.timedelta(days=1), 0
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS).astimezone(dt.UTC)


def check_window(
    weekdays: list[int], hour_start: int, hour_end: int, *, skip_public_holidays: bool = False
) -> Window:
    """A validated window. Holidays are opt-in here so that a caller that does not know the
    campaign's choice never stops sending on a holiday the campaign includes; campaigns
    pass their own `skip_public_holidays` (true by default) through `campaign_window`."""
    if not weekdays or any(day not in range(7) for day in weekdays):
        raise ScheduleError(_("Choose at least one weekday."))
    if not 0 <= hour_start < hour_end <= MIDNIGHT:
        raise ScheduleError(_("The sending hours must be a range within the day (0 to 24)."))
    return Window(frozenset(weekdays), hour_start, hour_end, skip_public_holidays)


def campaign_window(campaign: Any) -> Window:
    """The sending window of a campaign, with its choice about public holidays."""
    return check_window(
        list(campaign.weekdays),
        campaign.hour_start,
        campaign.hour_end,
        skip_public_holidays=campaign.skip_public_holidays,
    )


def send_times(
    count: int,
    *,
    window: Window,
    start: dt.datetime,
    end: dt.datetime | None,
    rate_per_second: float,
    jitter_seconds: int = 0,
    rng: random.Random | None = None,
) -> list[dt.datetime]:
    """`count` send instants (UTC, sorted by recipient index of a shuffled list)."""
    if count == 0:
        return []
    rng = rng or random.SystemRandom()
    intervals = _intervals(window, start, end, count / max(rate_per_second, 1e-6))
    total = sum((high - low).total_seconds() for low, high in intervals)
    slot = total / count
    offsets = []
    for index in range(count):
        offset = (index + rng.random()) * slot
        if jitter_seconds:
            offset += rng.uniform(-jitter_seconds, jitter_seconds)
        offsets.append(min(max(offset, 0.0), total - 1e-3))
    rng.shuffle(offsets)
    return _place(sorted(enumerate(offsets), key=lambda item: item[1]), intervals, count)


def _intervals(
    window: Window, start: dt.datetime, end: dt.datetime | None, needed_seconds: float
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The allowed intervals of [start, end], or, without `end`, enough of them to hold
    `needed_seconds` of sending."""
    horizon = end or start + dt.timedelta(days=MAX_DAYS)
    chosen: list[tuple[dt.datetime, dt.datetime]] = []
    gathered = 0.0
    for low, high in window.intervals(start, horizon):
        if end is None and gathered + (high - low).total_seconds() >= needed_seconds:
            chosen.append((low, low + dt.timedelta(seconds=max(needed_seconds - gathered, 1.0))))
            return chosen
        chosen.append((low, high))
        gathered += (high - low).total_seconds()
    if not chosen:
        raise ScheduleError(_("No allowed sending time before the send-by date: widen the window."))
    return chosen


def _place(
    ordered: list[tuple[int, float]], intervals: list[tuple[dt.datetime, dt.datetime]], count: int
) -> list[dt.datetime]:
    """Map offsets (seconds of allowed time) to instants, walking the intervals once."""
    result: list[dt.datetime] = [intervals[0][0]] * count
    position, consumed = 0, 0.0
    for index, offset in ordered:
        while position < len(intervals) - 1:
            length = (intervals[position][1] - intervals[position][0]).total_seconds()
            if offset < consumed + length:
                break
            consumed += length
            position += 1
        low, high = intervals[position]
        moment = low + dt.timedelta(seconds=offset - consumed)
        result[index] = min(moment, high - dt.timedelta(milliseconds=1))
    return result
