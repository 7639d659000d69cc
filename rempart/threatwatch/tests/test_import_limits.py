"""Size limits of the intel readers: a gzip bomb, an oversized JSON, an oversized archive
member or line is refused with a message naming it and the limit, before it costs memory,
and nothing of it is written. The payloads are real files (tests/data/README.md) padded
with what JSON and CSV allow (whitespace, a long field): the limits are lowered for the
tests, the shapes are those of the hostile inputs."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rempart.threatwatch.importers.pipeline import catalog_import_files
from rempart.threatwatch.models import Cve, EpssScore, KevEntry

DATA = Path(__file__).parent / "data"
KEV = DATA / "kev" / "known_exploited_vulnerabilities.subset.json"
CVE = DATA / "cve5" / "CVE-2024-6387.json"
EPSS = DATA / "epss" / "vunnel-example-1.csv"
MB = 1 << 20
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMPART_INTEL_MAX_DOCUMENT_MB", "1")
    monkeypatch.setenv("REMPART_INTEL_MAX_FILE_MB", "4")


def padded(source: Path, megabytes: int) -> bytes:
    """A real JSON document followed by `megabytes` of spaces: still valid JSON."""
    return source.read_bytes().rstrip() + b" " * (megabytes * MB) + b"\n"


def chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), MB):
        yield data[start : start + MB]


def gzip_bomb(path: Path, megabytes: int) -> Path:
    """The real KEV catalog, then `megabytes` of spaces, gzip-compressed (~1 KB per MB)."""
    with gzip.open(path, "wb") as out:
        out.write(KEV.read_bytes())
        space = b" " * MB
        for _ in range(megabytes):
            out.write(space)
    return path


def peak_mb(action: Callable[[], Any]) -> tuple[Any, float]:
    tracemalloc.start()
    try:
        result = action()
        return result, tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


def test_a_gzip_bomb_is_refused_without_being_inflated_into_memory(tmp_path: Path) -> None:
    # given: 64 MB of JSON in a gzip file of ~70 KB
    bomb = gzip_bomb(tmp_path / "kev.json.gz", 64)
    assert bomb.stat().st_size < MB
    # when
    result, peak = peak_mb(lambda: catalog_import_files([bomb]))
    # then: a clear error naming the file and the limit, nothing written, little memory
    assert result["errors"] == 1
    assert result["problems"][0]["reason"] == (
        f"{bomb}: larger than the limit of 1 MB (a document read whole)"
    )
    assert result["problems"][0]["code"] == "too_large"
    assert KevEntry.objects.count() == 0
    assert peak < 16


def test_a_streamed_gzip_bomb_is_refused_before_any_row_is_written(tmp_path: Path) -> None:
    # given: the EPSS daily CSV whose rows repeat for 64 MB, gzip-compressed
    bomb = tmp_path / "epss_scores-current.csv.gz"
    rows = EPSS.read_bytes().splitlines(keepends=True)[2:]
    with gzip.open(bomb, "wb") as out:
        out.write(EPSS.read_bytes())
        block = b"".join(rows) * (MB // len(b"".join(rows)))
        for _ in range(64):
            out.write(block)
    # when
    result, peak = peak_mb(lambda: catalog_import_files([bomb]))
    # then: refused whole (counted before the first row is parsed), little memory
    assert [p["reason"] for p in result["problems"]] == [
        f"{bomb}: larger than the limit of 4 MB (once decompressed)"
    ]
    assert EpssScore.objects.count() == 0
    assert peak < 16


def test_a_json_document_over_the_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a CVE record of 16 MB (a document read whole: 1 MB at most; a file: 64 MB)
    monkeypatch.setenv("REMPART_INTEL_MAX_FILE_MB", "64")
    big = tmp_path / "CVE-2024-6387.json"
    big.write_bytes(padded(CVE, 16))
    # when
    result, peak = peak_mb(lambda: catalog_import_files([big]))
    # then
    assert result["problems"][0]["reason"] == (
        f"{big}: larger than the limit of 1 MB (a document read whole)"
    )
    assert Cve.objects.count() == 0
    assert peak < 4


def test_an_archive_member_over_the_limit_is_refused_the_others_imported(
    tmp_path: Path,
) -> None:
    # given: a tarball of a real record, a record padded to 5 MB, the KEV catalog
    archive = tmp_path / "records.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in (
            ("a/CVE-2024-6387.json", CVE.read_bytes()),
            ("b/huge.json", padded(CVE, 5)),
            ("c/kev.json", KEV.read_bytes()),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    # when
    result = catalog_import_files([archive])
    # then
    assert [p["reason"] for p in result["problems"]] == [
        f"{archive}!b/huge.json: larger than the limit of 4 MB (once decompressed)"
    ]
    assert Cve.objects.filter(cve_id="CVE-2024-6387").exists()
    assert KevEntry.objects.count() == 10


def test_zip_archives_are_read_and_their_members_capped(tmp_path: Path) -> None:
    # given: a zip (cvelistV5 releases are zips) with a record, a 5 MB member, the KEV
    archive = tmp_path / "cves.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr("cves/2024/6xxx/CVE-2024-6387.json", CVE.read_bytes())
        out.writestr("cves/huge.json", padded(CVE, 5))
        out.writestr("kev.json", KEV.read_bytes())
    # when
    result = catalog_import_files([archive])
    # then
    assert [p["reason"] for p in result["problems"]] == [
        f"{archive}!cves/huge.json: larger than the limit of 4 MB (once decompressed)"
    ]
    assert result["files"][str(archive)] == {"CVE JSON 5 record": 1, "CISA KEV JSON": 1}
    assert KevEntry.objects.count() == 10


def test_a_zip_member_that_lies_about_its_size_is_refused(tmp_path: Path) -> None:
    # given: a zip whose directory says its 5 MB member holds 100 bytes
    archive = tmp_path / "lying.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr("huge.json", padded(CVE, 5))
    data = bytearray(archive.read_bytes())
    directory = data.rindex(b"PK\x01\x02")
    data[directory + 24 : directory + 28] = (100).to_bytes(4, "little")  # uncompressed size
    archive.write_bytes(bytes(data))
    # when
    result, peak = peak_mb(lambda: catalog_import_files([archive]))
    # then
    assert result["errors"] == 1
    assert result["problems"][0]["file"] == str(archive)
    assert "unreadable or truncated" in result["problems"][0]["reason"]
    assert Cve.objects.count() == 0
    assert peak < 16


def test_a_streamed_file_with_a_line_over_the_limit_stops_there(tmp_path: Path) -> None:
    # given: the EPSS CSV whose last row has a 2 MB field
    lines = EPSS.read_bytes().splitlines(keepends=True)
    csv = tmp_path / "epss.csv"
    csv.write_bytes(b"".join(lines) + b"CVE-2099-0001,0.1," + b"9" * (2 * MB) + b"\n")
    # when
    result = catalog_import_files([csv])
    # then: the rows before it are imported, whole; the error names the file
    assert [p["reason"] for p in result["problems"]] == [
        f"{csv}: larger than the limit of 1 MB (one line)"
    ]
    assert EpssScore.objects.count() == len(lines) - 2  # comment and header


def test_a_plain_file_over_the_file_limit_is_refused_unread(tmp_path: Path) -> None:
    # given: a 5 MB CSV
    csv = tmp_path / "epss.csv"
    with csv.open("wb") as out:
        out.write(EPSS.read_bytes())
        for chunk in chunks(b"CVE-2099-0001,0.1,0.2\n" * (5 * MB // 22)):
            out.write(chunk)
    # when
    result = catalog_import_files([csv])
    # then
    assert result["problems"][0]["reason"] == (
        f"{csv}: larger than the limit of 4 MB (once decompressed)"
    )
    assert EpssScore.objects.count() == 0


def test_limits_do_not_refuse_real_files(monkeypatch: pytest.MonkeyPatch) -> None:
    # given: the default limits
    monkeypatch.delenv("REMPART_INTEL_MAX_DOCUMENT_MB")
    monkeypatch.delenv("REMPART_INTEL_MAX_FILE_MB")
    # when
    result = catalog_import_files([KEV, CVE, DATA / "archives"])
    # then
    assert result["errors"] == 0
    assert json.loads(KEV.read_text())["count"] == KevEntry.objects.count()
