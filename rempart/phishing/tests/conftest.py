"""Fixtures shared by the phishing tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rempart.phishing.tests.sink import Sink


@pytest.fixture
def sink() -> Iterator[Sink]:
    """A real SMTP relay (aiosmtpd) on 127.0.0.1 that accepts and records every message."""
    server = Sink().start()
    yield server
    server.stop()
