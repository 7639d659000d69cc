"""Reports and exports: the PDF job, XLSX and CSV exports, audited downloads, isolation."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zlib
from typing import Any

import openpyxl
import pytest
from django.test import Client

from rempart.audit.models import AuditEntry
from rempart.jobs.models import JobStatus
from rempart.scanning.exports import ASSET_COLUMNS, FINDING_COLUMNS
from rempart.scanning.models import Report
from rempart.scanning.tests.factories import AssetFactory, FindingFactory, ReportFactory

pytestmark = pytest.mark.django_db

TITLE = re.compile(rb"/Title\s*(<[0-9A-Fa-f\s]+>|\((?:\\.|[^\\)])*\))")


def pdf_text(data: bytes) -> str:
    """The PDF's text with pdftotext (poppler-utils) when installed; otherwise the document
    title and the bookmarks (headings), read from the decompressed streams."""
    if shutil.which("pdftotext"):
        done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
        return done.stdout.decode()
    chunks = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    titles = []
    for chunk in chunks:
        for match in TITLE.finditer(chunk):
            raw = match.group(1)
            if raw.startswith(b"<"):
                titles.append(bytes.fromhex(raw[1:-1].decode()).decode("utf-16"))
            else:
                titles.append(raw[1:-1].decode("latin-1"))
    return "\n".join(titles)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def verbs() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("verb", flat=True))


@pytest.fixture
def findings(establishment_a: Any) -> dict[str, Any]:
    server = AssetFactory(
        establishment=establishment_a, address="10.1.0.5", name="srv-pacs", asset_class="server"
    )
    printer = AssetFactory(establishment=establishment_a, address="10.1.0.9", asset_class="printer")
    redis = FindingFactory(
        establishment=establishment_a,
        asset=server,
        severity="critical",
        evidence='=HYPERLINK("http://evil")\x01 redis_version:6.0.5',
    )
    FindingFactory(
        establishment=establishment_a,
        asset=printer,
        severity="high",
        check_id="ftp.anonymous-login",
        title_fr="Connexion FTP anonyme autorisée",
    )
    FindingFactory(establishment=establishment_a, asset=printer, severity="low", status="fixed")
    return {"redis": redis, "server": server, "printer": printer}


def test_pdf_report_job(
    findings: dict[str, Any],
    alice: Any,
    establishment_a: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/e/ch-alpha/reports/generate/", {"weeks": "4"})
    report = Report.objects.get(establishment=establishment_a)
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{report.job.public_id}/"
    report.job.refresh_from_db()
    assert report.job.status == JobStatus.SUCCEEDED, report.job.error
    assert report.weeks == 4
    assert report.created_by == alice
    data = report.file.read()
    assert data.startswith(b"%PDF")
    assert report.size == len(data)
    text = pdf_text(data)
    assert "CH Alpha" in text
    if shutil.which("pdftotext"):
        assert "Connexion FTP anonyme autorisée" in text  # detail part, French title
        assert "anonymous_enable=NO" in text  # remediation from the check catalogue
        assert "srv-pacs" in text
    assert "scanning.report.requested" in verbs()
    page = client.get("/e/ch-alpha/reports/").content.decode()
    assert f"/e/ch-alpha/reports/{report.public_id}/download/" in page


def test_download_is_audited(alice: Any, bob: Any, establishment_a: Any) -> None:
    report = ReportFactory(establishment=establishment_a)
    response = client_for(bob).get(f"/e/ch-alpha/reports/{report.public_id}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "rapport-vulnerabilites-ch-alpha-" in response["Content-Disposition"]
    entry = AuditEntry.objects.get(verb="scanning.report.downloaded")
    assert entry.actor == bob
    assert entry.object_id == str(report.public_id)
    assert entry.establishment == establishment_a


def test_unfinished_report_is_not_downloadable(alice: Any, establishment_a: Any) -> None:
    report = ReportFactory(establishment=establishment_a, file="")
    response = client_for(alice).get(f"/e/ch-alpha/reports/{report.public_id}/download/")
    assert response.status_code == 404
    assert "scanning.report.downloaded" not in verbs()


def test_viewer_cannot_generate(bob: Any) -> None:
    client = client_for(bob)
    assert client.get("/e/ch-alpha/reports/").status_code == 200
    assert client.post("/e/ch-alpha/reports/generate/").status_code == 403
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/e/ch-alpha/security/",
        "/e/ch-alpha/reports/",
        "/e/ch-alpha/reports/findings.csv",
        "/e/ch-alpha/reports/findings.xlsx",
        "/e/ch-alpha/reports/assets.csv",
        "/e/ch-alpha/reports/assets.xlsx",
    ],
)
def test_other_establishment_gets_404(url: str, charlie: Any, findings: dict[str, Any]) -> None:
    assert client_for(charlie).get(url).status_code == 404
    assert verbs() == []


def test_other_establishment_cannot_reach_reports(charlie: Any, establishment_a: Any) -> None:
    report = ReportFactory(establishment=establishment_a)
    client = client_for(charlie)
    assert client.get(f"/e/ch-alpha/reports/{report.public_id}/download/").status_code == 404
    assert client.post("/e/ch-alpha/reports/generate/").status_code == 404
    # Their own establishment's URL with A's report: still 404.
    response = client.get(f"/e/ehpad-bravo/reports/{report.public_id}/download/")
    assert response.status_code == 404
    assert Report.objects.count() == 1
    assert verbs() == []


def test_findings_xlsx(findings: dict[str, Any], alice: Any) -> None:
    response = client_for(alice).get("/e/ch-alpha/reports/findings.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows[0]) == len(FINDING_COLUMNS)
    assert len(rows) == 3  # header + the two open findings (the list's default filter)
    addresses = {row[0] for row in rows[1:]}
    assert addresses == {"10.1.0.5", "10.1.0.9"}
    column = [c.key for c in FINDING_COLUMNS].index("evidence") + 1
    cells = [sheet.cell(row=row, column=column) for row in range(2, sheet.max_row + 1)]
    evidence = next(cell for cell in cells if str(cell.value).startswith("=HYPERLINK"))
    assert evidence.data_type == "s"  # stored as text, never a formula
    assert "\x01" not in evidence.value
    entry = AuditEntry.objects.get(verb="scanning.findings.exported")
    assert entry.changes["format"] == "xlsx"
    assert entry.changes["rows"] == 2


def test_findings_csv_filtered(findings: dict[str, Any], alice: Any) -> None:
    response = client_for(alice).get("/e/ch-alpha/reports/findings.csv?severity=critical")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][:3] == ["Adresse", "Actif", "Type d'actif"]  # French headers
    assert rows[0] == [str(column.label) for column in FINDING_COLUMNS]
    assert len(rows) == 2
    row = dict(zip([column.key for column in FINDING_COLUMNS], rows[1], strict=True))
    assert row["address"] == "10.1.0.5"
    assert row["severity"] == "critical"
    assert row["status"] == "new"
    assert row["evidence"].startswith("'=HYPERLINK")  # formula defused
    entry = AuditEntry.objects.get(verb="scanning.findings.exported")
    assert entry.changes["filters"] == {"severity": ["critical"]}
    assert entry.changes["format"] == "csv"


def test_all_findings_csv(findings: dict[str, Any], alice: Any) -> None:
    response = client_for(alice).get("/e/ch-alpha/reports/findings.csv?active=false")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(content)))) == 4  # the fixed one included


def test_assets_exports(findings: dict[str, Any], bob: Any, establishment_b: Any) -> None:
    AssetFactory(establishment=establishment_b, address="10.200.0.1")
    client = client_for(bob)
    response = client.get("/e/ch-alpha/reports/assets.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [str(column.label) for column in ASSET_COLUMNS]
    keys = [column.key for column in ASSET_COLUMNS]
    by_address = {row[0]: dict(zip(keys, row, strict=True)) for row in rows[1:]}
    assert set(by_address) == {"10.1.0.5", "10.1.0.9"}
    assert by_address["10.1.0.5"]["open_findings"] == "1"
    assert by_address["10.1.0.9"]["asset_class"] == "printer"
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get("/e/ch-alpha/reports/assets.xlsx").content)
    )
    assert workbook.active.max_row == 3
    assert verbs() == ["scanning.assets.exported", "scanning.assets.exported"]


def test_list_polls_while_a_report_is_pending(alice: Any, establishment_a: Any) -> None:
    from rempart.jobs.tests.factories import JobRunFactory

    job = JobRunFactory(establishment=establishment_a, kind="scanning.report")
    report = ReportFactory(establishment=establishment_a, file="", job=job)
    client = client_for(alice)
    partial = client.get("/e/ch-alpha/reports/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="report-table"')
    assert 'hx-trigger="every 2s"' in partial
    assert f"/jobs/{job.public_id}/" in partial
    job.status = JobStatus.FAILED
    job.save()
    done = client.get("/e/ch-alpha/reports/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done
    assert report.public_id  # listed, not downloadable
    assert f"/reports/{report.public_id}/download/" not in done
