"""The demo's history: each step runs at its own past moment through the real services.

The services stamp what they write with `timezone.now()` (scan times, first and last seen,
events, audit entries). To give the demo weeks of history without writing those columns by
hand, each step runs with the clock moved back (time-machine); the steps run in
chronological order, so the audit chain's order matches its timestamps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import time_machine

PARIS = ZoneInfo("Europe/Paris")


class Timeline:
    """Moments relative to the load: `at(days_ago, hour)` is that day at that hour in Paris."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.today = now.astimezone(PARIS).date()

    def moment(self, days_ago: int, hour: float = 10.0) -> dt.datetime:
        day = self.today - dt.timedelta(days=days_ago)
        minutes = round(hour * 60)
        local = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=PARIS)
        return min(local.astimezone(dt.UTC), self.now - dt.timedelta(minutes=1))

    @contextmanager
    def at(self, days_ago: int, hour: float = 10.0) -> Iterator[dt.datetime]:
        """Run the block as if it were that moment (the clock ticks on from there)."""
        moment = self.moment(days_ago, hour)
        with time_machine.travel(moment, tick=True):
            yield moment
