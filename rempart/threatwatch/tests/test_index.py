"""The process-wide lookup index follows catalog changes made by other processes."""

from __future__ import annotations

from typing import Any

import pytest

from rempart.threatwatch import index
from rempart.threatwatch.cpe import parse
from rempart.threatwatch.matching import lookup
from rempart.threatwatch.models import SourceStatus
from rempart.threatwatch.tests.catalog import cve, rule

pytestmark = pytest.mark.django_db

NGINX = "cpe:2.3:a:f5:nginx:1.20.0:*:*:*:*:*:*:*"


def _ids() -> list[str]:
    return [match.cve_id for match in lookup(parse(NGINX))]


def test_shared_index_is_rebuilt_when_a_source_records_a_run(monkeypatch: Any) -> None:
    monkeypatch.setattr(index, "GENERATION_CHECK_S", 0.0)
    rule(cve("CVE-2021-23017"), "f5", "nginx", start_including="0.6.18", end_excluding="1.20.1")
    assert _ids() == ["CVE-2021-23017"]
    # another process (a worker) adds a CVE: rules are cached until a source records its run
    rule(cve("CVE-2025-0001"), "f5", "nginx", end_excluding="1.27.0")
    assert _ids() == ["CVE-2021-23017"]
    SourceStatus.objects.create(source="nvd", records=2)
    assert _ids() == ["CVE-2021-23017", "CVE-2025-0001"]


def test_generation_is_checked_at_most_every_few_seconds(monkeypatch: Any) -> None:
    rule(cve("CVE-2021-23017"), "f5", "nginx", start_including="0.6.18", end_excluding="1.20.1")
    assert _ids() == ["CVE-2021-23017"]
    calls = []
    monkeypatch.setattr(index, "catalog_generation", lambda: calls.append(1) or (None, 0))
    for _ in range(50):
        _ids()
    assert calls == []  # within GENERATION_CHECK_S of the first build


def test_invalidation_drops_the_cached_rules() -> None:
    rule(cve("CVE-2021-23017"), "f5", "nginx", start_including="0.6.18", end_excluding="1.20.1")
    assert _ids() == ["CVE-2021-23017"]
    rule(cve("CVE-2025-0001"), "f5", "nginx", end_excluding="1.27.0")
    index.invalidate_shared_index()
    assert sorted(_ids()) == ["CVE-2021-23017", "CVE-2025-0001"]
