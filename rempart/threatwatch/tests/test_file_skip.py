"""Files imported before are skipped by the hash of their bytes; a changed file is read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from rempart.threatwatch.importers import pipeline
from rempart.threatwatch.importers.pipeline import UNCHANGED, catalog_import_files
from rempart.threatwatch.models import Cve, ImportedFile, KevEntry

DATA = Path(__file__).parent / "data"
KEV = DATA / "kev" / "known_exploited_vulnerabilities.subset.json"
CVE5 = DATA / "cve5"
pytestmark = pytest.mark.django_db


def run(*paths: Path, force: bool = False) -> dict[str, Any]:
    return catalog_import_files(list(paths), force=force)


def test_an_unchanged_file_is_skipped_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    # given: a KEV catalog and CVE records imported
    first = run(KEV, CVE5)
    assert first["changes"] > 0
    recorded = dict(ImportedFile.objects.values_list("name", "status__source"))
    assert recorded[str(KEV)] == "kev"
    assert recorded[str(CVE5 / "CVE-2024-6387.json")] == "cve5"
    # the error body is recorded with its error, to be said again when it is skipped
    errors = ImportedFile.objects.get(name=str(CVE5 / "cveawg-error-CVE-2022-43383.json")).errors
    assert errors == 1
    read: list[Path] = []
    original = pipeline.iter_documents
    monkeypatch.setattr(
        pipeline, "iter_documents", lambda path, *a: read.append(path) or original(path, *a)
    )
    # when: the same files are imported again
    again = run(KEV, CVE5)
    # then: no file is read, nothing changes, the earlier errors are counted
    assert read == []
    assert again["changes"] == 0
    assert again["sources"] == {}
    assert again["skipped_files"] == 1 + len(list(CVE5.iterdir()))
    assert again["skipped_errors"] == 1
    assert again["files"][str(KEV)] == {UNCHANGED: 1}
    assert again["refused"] == []


def test_a_changed_file_is_read(tmp_path: Path) -> None:
    # given: a KEV catalog imported
    catalog = tmp_path / "kev.json"
    shutil.copy(KEV, catalog)
    run(catalog)
    count = KevEntry.objects.count()
    # when: the same file gets a new entry
    document = json.loads(catalog.read_text())
    entry = {**document["vulnerabilities"][0], "cveID": "CVE-2099-0001"}
    document["vulnerabilities"].append(entry)
    catalog.write_text(json.dumps(document))
    result = run(catalog)
    # then: it is read, the new entry is added and the rest is unchanged
    assert result["sources"]["kev"]["added"] == 1
    assert result["sources"]["kev"]["unchanged"] == count
    assert KevEntry.objects.filter(cve_id="CVE-2099-0001").exists()
    assert result["skipped_files"] == 0
    # and the new bytes are the ones recorded
    assert ImportedFile.objects.filter(name=str(catalog)).count() == 2  # old and new bytes


def test_the_same_bytes_under_another_name_are_skipped(tmp_path: Path) -> None:
    run(KEV)
    copy = tmp_path / "renamed.json"
    shutil.copy(KEV, copy)
    assert run(copy)["files"][str(copy)] == {UNCHANGED: 1}


def test_only_the_new_file_of_a_directory_is_read(tmp_path: Path) -> None:
    # given: a directory of CVE records imported
    folder = tmp_path / "records"
    folder.mkdir()
    shutil.copy(CVE5 / "CVE-2024-6387.json", folder)
    run(folder)
    # when: a record is added to it
    shutil.copy(CVE5 / "CVE-2021-41773.json", folder)
    result = run(folder)
    # then
    assert result["files"][str(folder)] == {UNCHANGED: 1, "CVE JSON 5 record": 1}
    assert result["sources"]["cve5"]["added"] == 1
    assert Cve.objects.count() == 2


def test_force_reads_again() -> None:
    run(KEV)
    result = run(KEV, force=True)
    assert result["skipped_files"] == 0
    assert result["sources"]["kev"]["unchanged"] == KevEntry.objects.count()


def test_a_new_parser_version_reads_files_again(monkeypatch: pytest.MonkeyPatch) -> None:
    run(KEV)
    monkeypatch.setattr("rempart.threatwatch.services.catalog_files.PARSER_VERSION", "99")
    assert run(KEV)["skipped_files"] == 0


def test_a_file_refused_for_its_size_is_not_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    # given: a limit the file is over
    monkeypatch.setenv("REMPART_INTEL_MAX_FILE_MB", "0")
    assert run(KEV)["errors"] == 1
    # when: the limit is raised
    monkeypatch.setenv("REMPART_INTEL_MAX_FILE_MB", "10")
    result = run(KEV)
    # then: the file is read
    assert result["sources"]["kev"]["added"] == KevEntry.objects.count() > 0


def test_a_bundle_that_changes_the_catalog_forgets_the_files(tmp_path: Path) -> None:
    # given: a bundle of a catalog, then files imported
    run(CVE5 / "CVE-2024-6387.json")
    bundle = tmp_path / "catalog.tar.gz"
    call_command("intel", "export-bundle", str(bundle), verbosity=0)
    Cve.objects.all().delete()
    ImportedFile.objects.all().delete()
    run(KEV)
    assert ImportedFile.objects.exists()
    # when: the bundle changes the catalog
    assert run(bundle)["changes"] > 0
    # then: every file is read again next time
    assert not ImportedFile.objects.exists()


def test_the_command_says_what_it_skipped(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("intel", "import", str(KEV))
    call_command("intel", "import", str(KEV))
    output = capsys.readouterr().out
    assert f"{KEV}: {UNCHANGED} x1" in output
    assert "1 file(s) unchanged since their import, skipped (0 error(s)" in output
