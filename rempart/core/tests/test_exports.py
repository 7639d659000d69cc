"""Every CSV and XLSX the platform writes defuses spreadsheet formulas (OWASP CSV injection):
a formula fed through the writers, and through each export of the platform, comes out as
inert text."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import openpyxl
import pytest
from django.test import Client

from rempart.audit.services import audit_record
from rempart.core.exports import CSV_TYPE, XLSX_TYPE, csv_cell, csv_lines, xlsx_bytes
from rempart.phishing.tests.factories import RecipientGroupFactory, TargetFactory
from rempart.scanning.tests.factories import AssetFactory

FORMULA = '=HYPERLINK("http://evil.example/","Voir")'
DANGEROUS = [
    FORMULA,
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
]


def read_csv(lines: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(lines).removeprefix("\ufeff"))))


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_formula_is_defused_in_csv(text: str) -> None:
    assert csv_cell(text) == "'" + text
    header, row = read_csv(csv_lines(["=name"], [[text]]))
    assert header == ["'=name"]
    assert row == ["'" + text]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("Dupont", "Dupont"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (True, "true"),
        (42, "42"),
        (-5, "-5"),  # a number, not text: no formula
        (["=a", "b"], "'=a; b"),
        ("nul\x00 char", "nul char"),
    ],
)
def test_other_values_in_csv(value: Any, cell: str) -> None:
    assert csv_cell(value) == cell


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_formula_is_inert_text_in_xlsx(text: str) -> None:
    data = xlsx_bytes("Feuille", ["valeur", "=nom"], [[text, -5]])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == "valeur"
    assert (sheet["B1"].data_type, sheet["B1"].quotePrefix) == ("s", True)
    cell = sheet["A2"]
    assert cell.data_type == "s"  # text, never a formula
    assert cell.quotePrefix  # and editing it in a spreadsheet does not make it one
    assert cell.value == text.replace("\r", "\n")  # XML reads a carriage return as a line feed
    assert (sheet["B2"].value, sheet["B2"].data_type) == (-5, "n")


# Through each export of the platform --------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _csv_response(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == CSV_TYPE
    content = b"".join(response.streaming_content).decode("utf-8")
    header, *rows = read_csv([content])
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "url"),
    [("alice", "/e/ch-alpha/audit/export.csv"), ("operator_admin", "/operator/audit/export.csv")],
)
def test_audit_export(
    personas: dict[str, Any], establishment_a: Any, persona: str, url: str
) -> None:
    group = RecipientGroupFactory(establishment=establishment_a, name=FORMULA)
    audit_record(
        actor=personas["alice"],
        verb="phishing.recipientgroup.created",
        target=group,
        changes={"name": FORMULA},
    )
    rows = _csv_response(_client(personas[persona]).get(url))
    created = next(row for row in rows if row["verb"] == "phishing.recipientgroup.created")
    assert created["object_repr"] == "'" + FORMULA
    assert json.loads(created["changes"]) == {"name": FORMULA}  # JSON, starting with "{"


@pytest.mark.django_db
def test_scanning_asset_exports(personas: dict[str, Any], establishment_a: Any) -> None:
    AssetFactory(establishment=establishment_a, address="10.1.0.5", name=FORMULA)
    client = _client(personas["alice"])
    rows = _csv_response(client.get("/e/ch-alpha/reports/assets.csv"))
    assert [row["Nom"] for row in rows] == ["'" + FORMULA]  # French headers
    response = client.get("/e/ch-alpha/reports/assets.xlsx")
    assert response["Content-Type"] == XLSX_TYPE
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cell = next(cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value == FORMULA)
    assert (cell.data_type, cell.quotePrefix) == ("s", True)


@pytest.mark.django_db
def test_phishing_results_export(personas: dict[str, Any], establishment_a: Any) -> None:
    label = "@SUM(1+1)"  # a variant label has 10 characters at most
    target = TargetFactory(establishment=establishment_a, variant__label=label)
    url = f"/e/ch-alpha/phishing/campaigns/{target.campaign.public_id}/results.csv"
    rows = _csv_response(_client(personas["alice"]).get(url))
    assert [row["Variante"] for row in rows] == ["'" + label]  # titles in French
