"""The lists as tables (rempart/core/tables): sortable headers, filters, pagination with a
choice of page sizes, and the formula-safe CSV/XLSX export of the whole filtered list."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from rempart.audit.models import AuditEntry
from rempart.scanning.tests.factories import FindingFactory, ScanFactory, ScopeFactory

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _hosts(response: Any) -> list[int]:
    return [row.record.hosts_up for row in response.context["table"].page]


@pytest.fixture
def scans(establishment_a: Any) -> list[Any]:
    scope = ScopeFactory(establishment=establishment_a, name='=HYPERLINK("x")')
    return [
        ScanFactory(establishment=establishment_a, scope=scope, hosts_up=n, policy=policy)
        for n, policy in ((3, "standard"), (1, "deep"), (2, "standard"))
    ]


def test_sortable_headers(personas: dict[str, Any], scans: list[Any]) -> None:
    client = _client(personas["bob"])
    assert _hosts(client.get("/e/ch-alpha/scans/", {"sort": "hosts_up"})) == [1, 2, 3]
    descending = client.get("/e/ch-alpha/scans/", {"sort": "-hosts_up"})
    assert _hosts(descending) == [3, 2, 1]
    page = descending.content.decode()
    assert 'aria-sort="descending"' in page
    assert "sort=hosts_up" in page  # the header link toggles the direction
    unknown = client.get("/e/ch-alpha/scans/", {"sort": "secret_field"})
    assert unknown.status_code == 200
    assert len(_hosts(unknown)) == 3


def test_filters_use_the_form_templates(personas: dict[str, Any], scans: list[Any]) -> None:
    response = _client(personas["bob"]).get("/e/ch-alpha/scans/", {"policy": "deep"})
    assert _hosts(response) == [1]
    page = response.content.decode()
    assert 'class="rempart-filters' in page
    assert '<label class="form-label" for="filter_policy">Politique' in page


def test_pagination_and_page_sizes(personas: dict[str, Any], establishment_a: Any) -> None:
    scope = ScopeFactory(establishment=establishment_a)
    ScanFactory.create_batch(30, establishment=establishment_a, scope=scope)
    client = _client(personas["bob"])
    first = client.get("/e/ch-alpha/scans/", {"per_page": "25"})
    assert len(first.context["table"].page) == 25
    assert "Page 1 sur 2" in first.content.decode()
    second = client.get("/e/ch-alpha/scans/", {"per_page": "25", "page": "2"})
    assert len(second.context["table"].page) == 5
    beyond = client.get("/e/ch-alpha/scans/", {"per_page": "25", "page": "99"})
    assert beyond.context["table"].page.number == 2
    not_a_number = client.get("/e/ch-alpha/scans/", {"page": "abc"})
    assert not_a_number.context["table"].page.number == 1
    # Only the sizes offered: anything else falls back to the default page size.
    huge = client.get("/e/ch-alpha/scans/", {"per_page": "1000000"})
    assert huge.context["table"].per_page_current == 50


def test_csv_export_is_the_whole_filtered_sorted_list(
    personas: dict[str, Any], scans: list[Any]
) -> None:
    client = _client(personas["bob"])
    page = client.get("/e/ch-alpha/scans/", {"policy": "standard", "sort": "hosts_up"})
    assert "export=csv" in page.content.decode()
    response = client.get(
        "/e/ch-alpha/scans/", {"policy": "standard", "sort": "hosts_up", "export": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "scans-" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Lancée le,Périmètre,Politique de scan,Statut,Hôtes actifs")
    assert len(lines) == 3  # two standard scans
    assert [line.split(",")[4] for line in lines[1:]] == ["2", "3"]
    # A value that a spreadsheet would run is defused, never written as a formula.
    assert "'=HYPERLINK" in text
    entry = AuditEntry.objects.get(verb="scanning.scans.exported")
    assert entry.changes == {"format": "csv", "filters": {"policy": "standard"}, "rows": 2}


def test_xlsx_export(personas: dict[str, Any], scans: list[Any]) -> None:
    response = _client(personas["bob"]).get("/e/ch-alpha/scopes/", {"export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Périmètre"
    assert rows[1][0] == '=HYPERLINK("x")'  # text, not a formula
    assert sheet.cell(row=2, column=1).data_type == "s"
    assert AuditEntry.objects.filter(verb="scanning.scopes.exported").count() == 1


def test_findings_export_links_keep_the_filters(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    FindingFactory(establishment=establishment_a, severity="critical")
    page = _client(personas["bob"]).get(
        "/e/ch-alpha/findings/", {"severity": "critical", "sort": "-last_seen", "page": "1"}
    )
    html = page.content.decode()
    assert "/e/ch-alpha/reports/findings.csv?severity=critical" in html
    assert "findings.csv?severity=critical&amp;sort" not in html


def test_findings_sort_by_severity(personas: dict[str, Any], establishment_a: Any) -> None:
    for severity in ("low", "critical", "medium"):
        FindingFactory(establishment=establishment_a, severity=severity)
    response = _client(personas["bob"]).get("/e/ch-alpha/findings/", {"sort": "-severity"})
    assert [row.record.severity for row in response.context["table"].page] == [
        "critical",
        "medium",
        "low",
    ]


def test_long_unbroken_values_are_in_the_wrapper(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    ScopeFactory(establishment=establishment_a, name="x" * 200)
    html = _client(personas["bob"]).get("/e/ch-alpha/scopes/").content.decode()
    assert 'class="table-responsive rempart-table-wrap"' in html
    assert "x" * 200 in html


def test_too_long_an_export_is_refused(
    personas: dict[str, Any], scans: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rempart.core.tables import views

    monkeypatch.setattr(views, "MAX_EXPORT_ROWS", 2)
    response = _client(personas["bob"]).get("/e/ch-alpha/scans/", {"export": "csv"})
    assert response.status_code == 302
    assert "export" not in response["Location"]
    assert not AuditEntry.objects.filter(verb="scanning.scans.exported").exists()
