"""CSV import of a declared inventory: good file, bad lines, wrong encoding, too big; the
preview writes nothing and a file with a problem is never imported."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rempart.audit.models import AuditEntry
from rempart.threatwatch.inventory.csv_import import (
    MAX_CSV_BYTES,
    InventoryCsvError,
    inventory_csv_preview,
)
from rempart.threatwatch.models import DeclaredProduct

pytestmark = pytest.mark.django_db

GOOD = (
    "Catégorie;Nom;Éditeur;Version;CPE;Accès distant;Fin de vie;Fin support\n"
    "Dossier patient;Easily;HCL;2024.1;;non;non;\n"
    "pacs;Carestream Vue PACS;Carestream;12.2;carestream:vue_pacs;;;31/12/2027\n"
    "Accès distant;TeamViewer;TeamViewer;15.3.0;teamviewer:teamviewer;oui;non;\n"
    "pare-feu;FortiGate;Fortinet;7.2.4;cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*;;;\n"
)


def _upload(client: Client, slug: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("threatwatch:inventory_import", args=[slug])
    return client.post(url, {"file": SimpleUploadedFile("inventaire.csv", data)})


def test_good_file_previews_then_imports_on_confirmation(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    client = Client()
    client.force_login(personas["alice"])
    response = _upload(client, establishment_a.slug, GOOD.encode("cp1252"))
    assert response.status_code == 200
    assert response.context["preview"].new == 4
    assert not response.context["preview"].problems
    assert DeclaredProduct.objects.count() == 0, "the preview wrote something"
    token = response.context["token"]
    url = reverse("threatwatch:inventory_import", args=[establishment_a.slug])
    response = client.post(url, {"confirm": "1", "token": token})
    assert response.status_code == 302
    products = {p.name: p for p in DeclaredProduct.objects.filter(establishment=establishment_a)}
    assert set(products) == {"Easily", "Carestream Vue PACS", "TeamViewer", "FortiGate"}
    assert products["Easily"].category == "patient_record"
    assert products["Carestream Vue PACS"].support_ends_on.isoformat() == "2027-12-31"
    assert products["TeamViewer"].remote_access
    assert (products["FortiGate"].cpe_vendor, products["FortiGate"].cpe_product) == (
        "fortinet",
        "fortios",
    )
    entry = AuditEntry.objects.get(verb="threatwatch.inventory.imported")
    assert entry.changes == {"created": 4, "updated": 0}
    # The same file again updates, creates nothing.
    response = _upload(client, establishment_a.slug, GOOD.encode("utf-8"))
    assert (response.context["preview"].new, response.context["preview"].updated) == (0, 4)


def test_bad_lines_are_named_and_nothing_can_be_imported(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    data = (
        "nom,catégorie,version,cpe,accès distant,fin support\n"
        "Easily,dossier patient,2024.1,,non,\n"
        ",pharmacie,1.0,,,\n"
        "Pharma,astrologie,1.0,,,\n"
        "Labo,laboratoire,3,pas un cpe,peut-être,32/13/2024\n"
        "Easily,dossier patient,2024.1,,,\n"
        f"Long,autre,1,{'v' * 101}:p,,\n"
    ).encode()
    client = Client()
    client.force_login(personas["alice"])
    response = _upload(client, establishment_a.slug, data)
    preview = response.context["preview"]
    lines = {problem.line for problem in preview.problems}
    assert lines == {3, 4, 5, 6, 7}
    messages = " ".join(p.message for p in preview.problems)
    for expected in (
        "nom est vide",
        "astrologie",
        "pas un cpe",
        "peut-être",
        "32/13/2024",
        "trop long",
        "ligne 2",
    ):
        assert expected in messages, expected
    assert not preview.importable
    assert 'name="confirm"' not in response.content.decode()
    # A forged confirmation finds nothing to import.
    url = reverse("threatwatch:inventory_import", args=[establishment_a.slug])
    client.post(url, {"confirm": "1", "token": response.context["token"]})
    assert DeclaredProduct.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("nom;version\nÉcho;1\n".encode("utf-16"), "UTF-16"),
        (b"nom;version\n\x81\x8d\x8f;1\n", "ni en UTF-8 ni en Windows-1252"),
        (b"", "vide"),
        (b"produit_inconnu;version\nx;1\n", "colonne"),
        (b"nom;version\n" + b"x;1\n" * (MAX_CSV_BYTES // 4), "Kio"),
    ],
    ids=["utf16", "undecodable", "empty", "no-name-column", "too-big"],
)
def test_unreadable_files_are_refused_in_french(
    establishment_a: Any, data: bytes, message: str
) -> None:
    from django.utils import translation

    with translation.override("fr"), pytest.raises(InventoryCsvError) as caught:
        inventory_csv_preview(establishment=establishment_a, data=data)
    assert message in str(caught.value.message)


def test_too_big_upload_is_refused_by_the_form(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    client = Client()
    client.force_login(personas["alice"])
    response = _upload(client, establishment_a.slug, b"nom\n" + b"x\n" * MAX_CSV_BYTES)
    assert response.status_code == 200
    assert "Kio" in response.content.decode()
    assert DeclaredProduct.objects.count() == 0


def test_a_viewer_cannot_import(personas: dict[str, Any], establishment_a: Any) -> None:
    client = Client()
    client.force_login(personas["bob"])
    response = _upload(client, establishment_a.slug, GOOD.encode())
    assert response.status_code == 403
