"""Fixtures of the threat-watch tests: the replay of the real sources."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rempart.threatwatch.tests.replay import NVD_PATH, ReplayServer


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReplayServer]:
    with ReplayServer() as replay:
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        environment = {
            "NVD_URL": replay.url + NVD_PATH,
            "NVD_DELAY": "0",
            "NVD_PAGE_SIZE": "2",
            "KEV_URL": replay.url + "/kev.json",
            "EPSS_URL": replay.url + "/epss_scores-current.csv.gz",
            "CERTFR_FEEDS": replay.url + "/feed/",
            "CERTFR_DELAY": "0",
            "HTTP_RETRIES": "4",
            "HTTP_BACKOFF": "0.01",
            "HTTP_TIMEOUT": "10",
        }
        for name, value in environment.items():
            monkeypatch.setenv(f"REMPART_INTEL_{name}", value)
        yield replay
