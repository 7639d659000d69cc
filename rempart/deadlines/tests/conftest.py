"""Every deadline test starts with the seeded rules, even after a transactional test of the
same worker emptied the tables."""

from __future__ import annotations

from typing import Any

import pytest

from rempart.deadlines.tests.factories import rules_seed


@pytest.fixture(autouse=True)
def _seeded_rules(db: Any) -> None:
    rules_seed()
