"""Audit log pages: who sees which entries, filters, CSV export (itself audited), verification."""

from __future__ import annotations

import csv
import html
import io
from typing import Any

import pytest
from django.test import Client

from rempart.audit.models import AuditEntry
from rempart.audit.services import audit_record
from rempart.jobs.models import JobRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(personas: dict[str, Any], establishment_a: Any, establishment_b: Any) -> None:
    audit_record(actor=personas["alice"], verb="tenancy.site.created", target=establishment_a)
    audit_record(actor=personas["charlie"], verb="tenancy.site.created", target=establishment_b)
    audit_record(actor=None, verb="ops.backup.created")


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _entries(response: Any) -> list[Any]:
    return [row.record for row in response.context["table"].page]


def test_referent_sees_only_the_entries_of_the_establishment(
    personas: dict[str, Any], log: None
) -> None:
    page = _client(personas["alice"]).get("/e/ch-alpha/audit/")
    assert page.status_code == 200
    rows = _entries(page)
    assert {entry.establishment.slug for entry in rows} == {"ch-alpha"}
    assert _client(personas["bob"]).get("/e/ch-alpha/audit/").status_code == 403
    assert _client(personas["alice"]).get("/operator/audit/").status_code == 403


def test_operator_admin_sees_and_filters_everything(personas: dict[str, Any], log: None) -> None:
    client = _client(personas["operator_admin"])
    everything = _entries(client.get("/operator/audit/"))
    assert {e.verb for e in everything} >= {"tenancy.site.created", "ops.backup.created"}
    filtered = _entries(client.get("/operator/audit/", {"establishment": "ehpad-bravo"}))
    assert [e.actor_label for e in filtered] == [personas["charlie"].email]
    by_verb = _entries(client.get("/operator/audit/", {"verb": "ops."}))
    assert [e.verb for e in by_verb] == ["ops.backup.created"]
    by_seq = _entries(client.get("/operator/audit/", {"sort": "seq"}))
    assert [e.seq for e in by_seq] == sorted(e.seq for e in everything)


def test_export_is_audited_and_scoped(personas: dict[str, Any], log: None) -> None:
    response = _client(personas["alice"]).get("/e/ch-alpha/audit/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["seq", "created_at", "actor_label"]
    assert {row[3] for row in rows[1:]} == {"ch-alpha"}
    export = AuditEntry.objects.get(verb="audit.log.exported")
    assert export.actor_id == personas["alice"].pk
    assert export.establishment.slug == "ch-alpha"


def test_verify_runs_as_a_job(
    personas: dict[str, Any], log: None, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(personas["operator_admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/operator/audit/verify/")
    run = JobRun.objects.get(kind="audit.verify")
    assert response["Location"] == f"/jobs/{run.public_id}/"
    assert run.status == "succeeded" or JobRun.objects.get(pk=run.pk).status == "succeeded"
    run.refresh_from_db()
    assert run.result["ok"] is True
    assert (
        run.result["checked"] == AuditEntry.objects.filter(seq__lte=run.result["checked"]).count()
    )
    count = run.result["checked"]
    assert run.message == f"Chaîne d'audit intacte\xa0: {count} entrées vérifiées."
    page = client.get(f"/jobs/{run.public_id}/")
    assert b"hx-trigger" not in page.content  # finished: the page stops polling
    assert run.message in html.unescape(page.content.decode())
    assert "Vérification de la chaîne d'audit." in run.log
