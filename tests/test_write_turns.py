"""`rempart.core.db.write_turn`: on SQLite, writers of the tracking fast path take turns through
a lock beside the database file (a waiting writer wakes when the previous one is done,
instead of sleeping in SQLite's busy handler); re-entrant; nothing on other databases."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from rempart.core.db import write_turn

pytestmark = pytest.mark.django_db


def test_writers_take_turns_on_sqlite() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("turns are only taken on SQLite")
    inside = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def first() -> None:
        with write_turn():
            order.append("first in")
            inside.set()
            release.wait(5)
            order.append("first out")

    def second() -> None:
        inside.wait(5)
        with write_turn():
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    inside.wait(5)
    time.sleep(0.2)  # the second writer has had time to try
    assert order == ["first in"]  # it waits for its turn
    release.set()
    for thread in threads:
        thread.join(5)
    assert order == ["first in", "first out", "second in"]
    assert Path(f"{connection.settings_dict['NAME']}-writers.lock").exists()


def test_a_turn_is_reentrant() -> None:
    done = []
    with write_turn(), write_turn():  # a hit that records inside a confirmation
        done.append(True)
    with write_turn():  # and released after
        done.append(True)
    assert done == [True, True]
