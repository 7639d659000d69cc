"""The KEV `catalogVersion` is checked and compared as a date (real catalog, one field edited)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from rempart.threatwatch.importers.kev import catalog_version
from rempart.threatwatch.importers.pipeline import catalog_import_files
from rempart.threatwatch.importers.records import RecordError
from rempart.threatwatch.models import KevEntry, SourceStatus

KEV = Path(__file__).parent / "data" / "kev" / "known_exploited_vulnerabilities.subset.json"
pytestmark = pytest.mark.django_db


def catalog(tmp_path: Path, version: str, *, due: str | None = None) -> Path:
    """The real catalog (2026.08.21) with another `catalogVersion`, and optionally the
    first entry's due date changed (an update)."""
    document = json.loads(KEV.read_text(encoding="utf-8"))
    document["catalogVersion"] = version
    if due:
        document["vulnerabilities"][0]["dueDate"] = due
    target = tmp_path / f"kev-{len(list(tmp_path.iterdir()))}.json"
    target.write_text(json.dumps(document), encoding="utf-8")
    return target


def kev_cursor() -> str:
    return str(SourceStatus.objects.filter(source="kev").values_list("cursor", flat=True).first())


def test_a_catalog_whose_version_is_not_a_date_is_refused(tmp_path: Path) -> None:
    # when
    result = catalog_import_files([catalog(tmp_path, "not-a-version")])
    # then: a clear error, nothing written, the newest version imported is untouched
    assert result["errors"] == 1
    reason = result["problems"][0]["reason"]
    assert "catalogVersion 'not-a-version' is not a KEV catalog version" in reason
    assert "YYYY.MM.DD" in reason
    assert KevEntry.objects.count() == 0
    assert kev_cursor() in ("None", "")


def test_later_catalogs_are_not_dropped_after_a_bad_version(tmp_path: Path) -> None:
    # given: a catalog imported, then a version that is not a date stored as the newest one
    # (what a database written before versions were checked may hold)
    catalog_import_files([KEV])
    SourceStatus.objects.filter(source="kev").update(cursor="not-a-version")
    # when: the next real catalog changes an entry
    result = catalog_import_files([catalog(tmp_path, "2026.08.22", due="2026-09-01")])
    # then: it is applied, and its version becomes the newest
    assert result["sources"]["kev"]["updated"] == 1
    assert result["sources"]["kev"]["stale"] == 0
    first = json.loads(KEV.read_text(encoding="utf-8"))["vulnerabilities"][0]["cveID"]
    assert KevEntry.objects.get(cve_id=first).due_date == dt.date(2026, 9, 1)
    assert kev_cursor() == "2026.08.22"


def test_versions_compare_as_dates(tmp_path: Path) -> None:
    # given: the catalog of 2026.10.01
    catalog_import_files([catalog(tmp_path, "2026.10.01")])
    # when: an older one (written without leading zeros) changes an entry
    result = catalog_import_files([catalog(tmp_path, "2026.9.30", due="2026-09-01")])
    # then: it is older (as a string, "2026.9.30" sorts after "2026.10.01"): nothing changes
    assert result["sources"]["kev"]["stale"] == 1
    assert result["sources"]["kev"]["updated"] == 0
    assert kev_cursor() == "2026.10.01"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026.08.21", "2026.08.21"),
        ("2026.8.1", "2026.08.01"),
        (" 2025.01.22 ", "2025.01.22"),
    ],
)
def test_catalog_version_is_canonical(text: str, expected: str) -> None:
    assert catalog_version(text, today=dt.date(2026, 8, 22)) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not-a-version", "is not a KEV catalog version"),
        ("2026.02.30", "is not a KEV catalog version"),
        ("20260821", "is not a KEV catalog version"),
        (None, "is not a KEV catalog version"),
        ("2099.01.01", "is in the future"),
    ],
)
def test_bad_catalog_versions(text: Any, reason: str) -> None:
    with pytest.raises(RecordError, match=reason):
        catalog_version(text, today=dt.date(2026, 8, 22))
