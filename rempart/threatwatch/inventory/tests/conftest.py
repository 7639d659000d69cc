"""Each test builds its own catalog: drop the suggestions' cached pairs around it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rempart.threatwatch.inventory.suggest import invalidate_suggestions


@pytest.fixture(autouse=True)
def _fresh_suggestions() -> Iterator[None]:
    invalidate_suggestions()
    yield
    invalidate_suggestions()
