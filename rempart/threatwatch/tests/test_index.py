"""The process-wide lookup index: loaded product by product, then whole; it follows the
catalog changes made by this process and by others."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from rempart.threatwatch import index
from rempart.threatwatch.cpe import parse
from rempart.threatwatch.importers.pipeline import catalog_import_files
from rempart.threatwatch.matching import lookup
from rempart.threatwatch.models import CatalogGeneration
from rempart.threatwatch.tests.catalog import cve, rule

pytestmark = pytest.mark.django_db

NGINX = "cpe:2.3:a:f5:nginx:1.20.0:*:*:*:*:*:*:*"


def _ids() -> list[str]:
    return [match.cve_id for match in lookup(parse(NGINX))]


def test_shared_index_is_rebuilt_when_the_catalog_generation_moves(monkeypatch: Any) -> None:
    monkeypatch.setattr(index, "GENERATION_CHECK_S", 0.0)
    rule(cve("CVE-2021-23017"), "f5", "nginx", start_including="0.6.18", end_excluding="1.20.1")
    assert _ids() == ["CVE-2021-23017"]
    # a row written without the writers: rules are cached until the generation moves
    rule(cve("CVE-2025-0001"), "f5", "nginx", end_excluding="1.27.0")
    assert _ids() == ["CVE-2021-23017"]
    # another process (a worker) writes the catalog: its transaction moves the counter
    CatalogGeneration.objects.update_or_create(pk=1, defaults={"value": 41})
    assert _ids() == ["CVE-2021-23017", "CVE-2025-0001"]


def test_many_products_load_the_whole_index_at_once(monkeypatch: Any) -> None:
    monkeypatch.setattr(index, "EAGER_AFTER", 3)
    for number, product in enumerate(["a", "b", "c", "d", "e", "f"]):
        rule(cve(f"CVE-2099-000{number}"), "acme", product, end_excluding="2.0")
    shared = index.shared_index()
    queries: list[str] = []
    with connection.execute_wrapper(lambda run, sql, *args: queries.append(sql) or run(sql, *args)):
        answers = [
            shared.rows(parse(f"cpe:2.3:a:acme:{product}:1.0:*:*:*:*:*:*:*"))
            for product in ["a", "b", "c", "d", "e", "f", "unknown"]
        ]
    # then: three products one by one, then every product in one query, then none
    assert len(queries) == 4
    assert [len(rows) for rows in answers] == [1, 1, 1, 1, 1, 1, 0]


def test_generation_is_checked_at_most_every_few_seconds(monkeypatch: Any) -> None:
    rule(cve("CVE-2021-23017"), "f5", "nginx", start_including="0.6.18", end_excluding="1.20.1")
    assert _ids() == ["CVE-2021-23017"]
    calls = []
    monkeypatch.setattr(index, "catalog_generation", lambda: calls.append(1) or 0)
    for _ in range(50):
        _ids()
    assert calls == []  # within GENERATION_CHECK_S of the first build


def test_invalidation_drops_the_cached_rules() -> None:
    rule(cve("CVE-2021-23017"), "f5", "nginx", start_including="0.6.18", end_excluding="1.20.1")
    assert _ids() == ["CVE-2021-23017"]
    rule(cve("CVE-2025-0001"), "f5", "nginx", end_excluding="1.27.0")
    index.invalidate_shared_index()
    assert sorted(_ids()) == ["CVE-2021-23017", "CVE-2025-0001"]


@pytest.mark.django_db(transaction=True)
def test_a_lookup_after_an_import_in_the_same_process_sees_it(
    tmp_path: Path, monkeypatch: Any
) -> None:
    # given: a lookup answered from the process-wide index, whose periodic check is far off
    monkeypatch.setattr(index, "GENERATION_CHECK_S", 3600.0)
    rule(cve("CVE-2021-23017"), "f5", "nginx", start_including="0.6.18", end_excluding="1.20.1")
    assert _ids() == ["CVE-2021-23017"]
    # when: this process imports a record of a new nginx CVE (an NVD {cve} object)
    record = json.loads((NVD_DATA / "CVE-2024-23113.json").read_text())
    cve_object = record["cve"]
    cve_object["id"] = "CVE-2099-0042"
    cve_object["configurations"] = [
        {"nodes": [{"operator": "OR", "cpeMatch": [NGINX_BEFORE_1_21]}]}
    ]
    answer = tmp_path / "nvd.json"
    answer.write_text(json.dumps(record))
    assert catalog_import_files([answer])["changes"] == 1
    # then: the next lookup, at once, sees it
    assert sorted(_ids()) == ["CVE-2021-23017", "CVE-2099-0042"]


NVD_DATA = Path(__file__).parent / "data" / "nvd"
NGINX_BEFORE_1_21 = {
    "vulnerable": True,
    "criteria": "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*",
    "versionEndExcluding": "1.21.0",
    "matchCriteriaId": "00000000-0000-0000-0000-000000000000",
}
