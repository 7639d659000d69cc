"""pytest fixtures of the network lab.

Import them where needed (`from tests.lab.fixtures import lab  # noqa: F401`). `lab` is
session-scoped: one lab per test process (mark the tests `xdist_group("lab")` so that they
share one worker), torn down at the end of the session even when a test failed. Several test
modules may import the fixture: they share one lab (pytest sees one fixture per importing
module; the instance is shared and torn down after the last of them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.lab.lab import Lab
from tests.lab.plumbing import LabUnavailableError


@dataclass
class _Shared:
    lab: Lab | None = None
    users: int = 0
    unavailable: str | None = None


_SHARED = _Shared()


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """The running lab (hosts, expected findings, helpers); skips when it cannot run here."""
    if _SHARED.unavailable is not None:
        pytest.skip(f"network lab unavailable: {_SHARED.unavailable}")
    if _SHARED.lab is None:
        instance = Lab()
        try:
            instance.up()
        except LabUnavailableError as exc:
            _SHARED.unavailable = str(exc)
            pytest.skip(f"network lab unavailable: {exc}")
        _SHARED.lab = instance
    shared = _SHARED.lab
    _SHARED.users += 1
    try:
        yield shared
    finally:
        _SHARED.users -= 1
        if _SHARED.users == 0:
            _SHARED.lab = None
            shared.down()
