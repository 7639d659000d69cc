"""Attachments: stored in file storage under REMPART_HOME (never in the database), checked
(size, type from the bytes, sanitised name), served only through the access-checked view,
deleted with their row."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from rempart.attachments import services, sniff
from rempart.attachments.models import Attachment
from rempart.attachments.tests.factories import PDF_BYTES
from rempart.audit.models import AuditEntry
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.scanning.tests.factories import FindingFactory

pytestmark = pytest.mark.django_db


def _upload(content: bytes, name: str = "preuve.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _office(main: str, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main, "<document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _odf(mimetype: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mimetype)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def _stored_files() -> set[Path]:
    return set((Path(settings.MEDIA_ROOT) / "attachments").rglob("*"))


@pytest.fixture
def finding(establishment_a: Any) -> Any:
    return FindingFactory(establishment=establishment_a)


def test_file_is_stored_under_the_data_directory_not_in_the_database(
    alice: Any, finding: Any
) -> None:
    attachment = services.attachment_add(owner=finding, upload=_upload(PDF_BYTES), actor=alice)
    path = Path(attachment.file.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert path.read_bytes() == PDF_BYTES
    assert "preuve" not in path.name  # a random name on disk
    assert (attachment.content_type, attachment.size) == ("application/pdf", len(PDF_BYTES))
    entry = AuditEntry.objects.get(verb="attachments.file.added")
    assert entry.changes["sha256"] == attachment.sha256


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\rssi\\Desktop\\rapport final.pdf", "rapport final.pdf"),
        ("facture.pdf.exe", "facture.pdf.pdf"),
        ("\x00\x1b[31mrouge\u202eFDP.exe", "31mrougeFDP.pdf"),
        ("<script>alert(1)</script>.pdf", "script.pdf"),  # the browser's part after "/"
        ("....pdf", "pdf.pdf"),
        ("...", "fichier.pdf"),
        ("é" * 400 + ".pdf", "é" * 146 + ".pdf"),
        ("Compte-rendu \u2013 réunion (v2).PDF", "Compte-rendu_réunion (v2).pdf"),
    ],
    ids=[
        "traversal",
        "windows-path",
        "double-extension",
        "control-and-bidi",
        "markup",
        "dots",
        "only-dots",
        "too-long",
        "typography",
    ],
)
def test_hostile_names_are_sanitised(alice: Any, finding: Any, name: str, expected: str) -> None:
    attachment = services.attachment_add(
        owner=finding, upload=_upload(PDF_BYTES, name), actor=alice
    )
    assert attachment.name == expected


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"MZ\x90\x00" + b"\x00" * 100, "note.pdf", "program"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 50, "photo.png", "program"),
        (b"#!/bin/sh\nrm -rf /\n", "script.txt", "program"),
        (b"<!DOCTYPE html><html><script>alert(1)</script>", "page.txt", "active"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "i.svg", "active"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "vieux.doc", "ole"),
        (_office("word/document.xml", {"word/vbaProject.bin": b"x"}), "m.docm", "macros"),
        (b"\x00\x01\x02\x03binary", "data.bin", "unknown"),
        (b"PK\x03\x04 not really a zip", "a.zip", "corrupt"),
        (b"", "vide.pdf", "empty"),
    ],
    ids=["exe", "elf", "script", "html", "svg", "ole", "docm", "binary", "bad-zip", "empty"],
)
def test_wrong_types_are_refused_and_nothing_is_written(
    alice: Any, finding: Any, content: bytes, name: str, code: str
) -> None:
    before = _stored_files()
    with pytest.raises(ApplicationError) as refused:
        services.attachment_add(owner=finding, upload=_upload(content, name), actor=alice)
    assert refused.value.code == code
    assert not Attachment.objects.exists()
    assert _stored_files() == before


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "capture", sniff.PNG),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "photo.jpeg", sniff.JPEG),
        (_office("word/document.xml"), "rapport.docx", sniff.DOCX),
        (_office("xl/workbook.xml"), "inventaire.xlsx", sniff.XLSX),
        (_odf(sniff.ODS), "tableau.ods", sniff.ODS),
        (b"Return-Path: <x@example.org>\r\nSubject: Test\r\n\r\nBonjour", "m.eml", sniff.EML),
        ("adresse;nom\n10.0.0.1;serveur é\n".encode(), "export.csv", sniff.CSV),
        ("journal réseau\n".encode("cp1252"), "journal.log", sniff.TEXT),
    ],
    ids=["png", "jpeg", "docx", "xlsx", "ods", "eml", "csv", "cp1252-text"],
)
def test_types_come_from_the_bytes(
    alice: Any, finding: Any, content: bytes, name: str, content_type: str
) -> None:
    attachment = services.attachment_add(owner=finding, upload=_upload(content, name), actor=alice)
    assert attachment.content_type == content_type
    assert attachment.name.endswith("." + sniff.SAFE_TYPES[content_type])


def test_oversize_is_refused(alice: Any, finding: Any, settings: Any) -> None:
    settings.ATTACHMENT_MAX_MB = 1
    big = PDF_BYTES + b"0" * (1024 * 1024)
    before = _stored_files()
    with pytest.raises(ApplicationError) as refused:
        services.attachment_add(owner=finding, upload=_upload(big), actor=alice)
    assert refused.value.code == "too_large"
    assert "1 Mo" in str(refused.value.message) or "1 MB" in str(refused.value.message)
    assert not Attachment.objects.exists()
    assert _stored_files() == before


def test_a_module_may_restrict_the_types(alice: Any, finding: Any) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
    with pytest.raises(ApplicationError) as refused:
        services.attachment_add(
            owner=finding, upload=_upload(png), actor=alice, allowed_types={sniff.PDF}
        )
    assert refused.value.code == "not_allowed_here"


def test_viewer_may_not_attach(bob: Any, finding: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.attachment_add(owner=finding, upload=_upload(PDF_BYTES), actor=bob)


def test_download_checks_access_and_never_lets_the_browser_render(
    client: Client, alice: Any, bob: Any, charlie: Any, finding: Any
) -> None:
    attachment = services.attachment_add(
        owner=finding, upload=_upload(PDF_BYTES, "rapport d'audit.pdf"), actor=alice
    )
    url = reverse(
        "attachments:attachment_download", args=[finding.establishment.slug, attachment.public_id]
    )
    client.force_login(bob)  # a viewer reads
    response = client.get(url)
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    client.force_login(charlie)
    assert client.get(url).status_code == 404
    assert client.get(f"/media/{attachment.file.name}").status_code == 404  # never served raw


def test_upload_view_then_delete_removes_the_file(
    client: Client, alice: Any, finding: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(alice)
    slug = finding.establishment.slug
    response = client.post(
        reverse("attachments:attachment_upload", args=[slug]),
        {
            "owner_kind": "scanning.finding",
            "owner_id": str(finding.public_id),
            "file": _upload(PDF_BYTES, "constat.pdf"),
            "evidence": "on",
            "expires_on": "2030-06-30",
            "next": "/e/ch-alpha/findings/",
        },
    )
    assert response["Location"] == "/e/ch-alpha/findings/"
    attachment = Attachment.objects.get()
    assert (attachment.review_status, attachment.expires_on) == ("to_review", dt.date(2030, 6, 30))
    path = Path(attachment.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("attachments:attachment_delete", args=[slug, attachment.public_id]))
    assert not Attachment.objects.exists()
    assert not path.exists()


def test_upload_to_a_record_of_another_establishment_is_404(
    client: Client, alice: Any, establishment_a: Any, establishment_b: Any
) -> None:
    foreign = FindingFactory(establishment=establishment_b)
    client.force_login(alice)
    response = client.post(
        reverse("attachments:attachment_upload", args=[establishment_a.slug]),
        {
            "owner_kind": "scanning.finding",
            "owner_id": str(foreign.public_id),
            "file": _upload(PDF_BYTES),
        },
    )
    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_evidence_review(alice: Any, finding: Any) -> None:
    plain = services.attachment_add(owner=finding, upload=_upload(PDF_BYTES), actor=alice)
    with pytest.raises(ApplicationError, match=r"preuve|evidence"):
        services.attachment_review(attachment=plain, actor=alice, status="accepted")
    evidence = services.attachment_add(
        owner=finding, upload=_upload(PDF_BYTES), actor=alice, evidence=True
    )
    services.attachment_review(
        attachment=evidence, actor=alice, status="refused", comment="Signature absente"
    )
    evidence.refresh_from_db()
    assert (evidence.review_status, evidence.reviewed_by) == ("refused", alice)
    assert AuditEntry.objects.filter(verb="attachments.evidence.reviewed").count() == 1


def test_orphan_files_are_purged_after_a_day(
    alice: Any, finding: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    kept = services.attachment_add(owner=finding, upload=_upload(PDF_BYTES), actor=alice)
    orphan = Path(kept.file.path).with_name("orphan.pdf")
    orphan.write_bytes(PDF_BYTES)
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=2)
    assert services.attachments_purge_orphans(now=dt.datetime.now(tz=dt.UTC)) == 0
    assert services.attachments_purge_orphans(now=later) == 1
    assert not orphan.exists()
    assert Path(kept.file.path).exists()
