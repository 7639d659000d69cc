"""Fixtures of the webhooks tests: http:// allowed (the receiver is a plain HTTP server on
127.0.0.1), a fresh subscription cache, and a real receiver."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rempart.webhooks import services
from rempart.webhooks.tests.receiver import Receiver


@pytest.fixture(autouse=True)
def _allow_http(settings: Any) -> None:
    settings.WEBHOOKS_ALLOW_HTTP = True


@pytest.fixture(autouse=True)
def _fresh_subscriptions() -> Iterator[None]:
    services.SUBSCRIPTIONS.clear()
    yield
    services.SUBSCRIPTIONS.clear()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(secret="receiver-secret-0123456789").start()
    yield server
    server.stop()
