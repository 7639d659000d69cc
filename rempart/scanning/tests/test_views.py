"""Scanning pages: scopes and authorisations, launching a scan (a real engine run on an
unused loopback address), findings decisions, assets, diff between scans."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from rempart.audit.models import AuditEntry
from rempart.scanning.models import Exclusion, Finding, Scan, Scope, ScopeAuthorisation
from rempart.scanning.tests.factories import (
    AssetFactory,
    AuthorisationFactory,
    FindingFactory,
    ScopeFactory,
    WindowFactory,
)

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_scope_authorisation_and_exclusion(personas: dict[str, Any], establishment_a: Any) -> None:
    client = _client(personas["alice"])
    response = client.post(
        "/e/ch-alpha/scopes/new/",
        {"name": "Serveurs", "targets": "10.20.0.0/24\npacs.ch-alpha.local # PACS\nnot a target!"},
    )
    assert response.status_code == 200
    assert "not a target!" in response.content.decode()
    response = client.post(
        "/e/ch-alpha/scopes/new/",
        {"name": "Serveurs", "targets": "10.20.0.0/24\nlocalhost # PACS"},
    )
    scope = Scope.objects.get(name="Serveurs")
    assert response["Location"] == f"/e/ch-alpha/scopes/{scope.public_id}/"
    assert scope.target_lines() == ["10.20.0.0/24", "localhost"]
    today = timezone.localdate()
    client.post(
        f"/e/ch-alpha/scopes/{scope.public_id}/authorisations/",
        {
            "authorised_by": "M. Directeur",
            "authorised_on": today.isoformat(),
            "valid_until": (today + dt.timedelta(days=365)).isoformat(),
        },
    )
    assert ScopeAuthorisation.objects.filter(scope=scope).exists()
    client.post("/e/ch-alpha/exclusions/add/", {"target": "10.20.0.7", "reason": "Pousse-seringue"})
    assert Exclusion.objects.filter(establishment=establishment_a, target="10.20.0.7").exists()
    verbs = set(AuditEntry.objects.values_list("verb", flat=True))
    assert {
        "scanning.scope.created",
        "scanning.authorisation.recorded",
        "scanning.exclusion.created",
    } <= verbs
    assert _client(personas["bob"]).get("/e/ch-alpha/scopes/new/").status_code == 403


def test_launch_is_refused_without_authorisation_or_outside_windows(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    scope = ScopeFactory(establishment=establishment_a, targets="127.0.0.7")
    client = _client(personas["alice"])
    client.post("/e/ch-alpha/scans/launch/", {"scope": scope.pk, "policy": "standard"})
    assert not Scan.objects.exists()
    AuthorisationFactory(establishment=establishment_a, scope=scope)
    now = timezone.localtime()
    WindowFactory(
        establishment=establishment_a,
        scope=scope,
        weekday=(now.weekday() + 3) % 7,
        start=dt.time(1),
        end=dt.time(2),
    )
    page = client.post(
        "/e/ch-alpha/scans/launch/", {"scope": scope.pk, "policy": "standard"}, follow=True
    )
    assert "plages horaires" in page.content.decode()
    assert not Scan.objects.exists()
    refused = client.post(
        "/e/ch-alpha/scans/launch/",
        {"scope": scope.pk, "policy": "deep", "ignore_window": "on"},
        follow=True,
    )
    assert not Scan.objects.exists()
    assert "approfondie" in refused.content.decode().lower() or refused.status_code == 200


def test_launch_runs_the_engine_and_shows_the_result(
    personas: dict[str, Any], establishment_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    scope = ScopeFactory(
        establishment=establishment_a, targets="127.0.0.7", tcp_ports="1", udp_ports=""
    )
    AuthorisationFactory(establishment=establishment_a, scope=scope)
    client = _client(personas["alice"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/e/ch-alpha/scans/launch/", {"scope": scope.pk, "policy": "standard"}
        )
    scan = Scan.objects.get()
    assert response["Location"] == f"/e/ch-alpha/scans/{scan.public_id}/"
    assert scan.status == "completed", scan.error
    assert scan.job is not None
    assert scan.job.status == "succeeded"
    assert scan.result_file.name.endswith(".json.gz")
    page = client.get(f"/e/ch-alpha/scans/{scan.public_id}/")
    assert "hx-trigger" not in page.content.decode()
    assert (
        _client(personas["charlie"]).get(f"/e/ch-alpha/scans/{scan.public_id}/").status_code == 404
    )


def test_finding_decisions(personas: dict[str, Any], establishment_a: Any) -> None:
    finding = FindingFactory(establishment=establishment_a)
    url = f"/e/ch-alpha/findings/{finding.public_id}/"
    alice = _client(personas["alice"])
    page = alice.get(url).content.decode()
    assert "Redis accepte des commandes sans authentification" in page
    until = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    alice.post(url + "accept/", {"reason": "Serveur isolé, migration en mars", "until": until})
    finding.refresh_from_db()
    assert finding.status == "accepted"
    assert finding.decision_by == personas["alice"]
    alice.post(url + "reopen/", {"reason": "Migration reportée"})
    alice.post(url + "comment/", {"text": "Mot de passe posé vendredi"})
    alice.post(url + "assign/", {"assignee": personas["bob"].pk})
    finding.refresh_from_db()
    assert finding.status == "reopened"
    assert finding.assignee == personas["bob"]
    assert finding.comments.get().text == "Mot de passe posé vendredi"
    assert (
        _client(personas["bob"]).post(url + "false-positive/", {"reason": "x"}).status_code == 403
    )
    assert alice.post(url + "explode/").status_code == 404


def test_findings_list_filters(personas: dict[str, Any], establishment_a: Any) -> None:
    asset = AssetFactory(establishment=establishment_a, address="10.1.1.1")
    FindingFactory(establishment=establishment_a, asset=asset, severity="critical")
    FindingFactory(establishment=establishment_a, asset=asset, severity="low", status="fixed")
    client = _client(personas["bob"])
    default = client.get("/e/ch-alpha/findings/")
    assert [row.record.severity for row in default.context["table"].page] == ["critical"]
    everything = client.get("/e/ch-alpha/findings/", {"q": "10.1.1"})
    assert len(everything.context["table"].page) == 2
    # A sort alone keeps the default filter (open findings only).
    sorted_only = client.get("/e/ch-alpha/findings/", {"sort": "-last_seen"})
    assert [row.record.severity for row in sorted_only.context["table"].page] == ["critical"]


def test_asset_classification_is_kept(personas: dict[str, Any], establishment_a: Any) -> None:
    asset = AssetFactory(establishment=establishment_a)
    _client(personas["alice"]).post(
        f"/e/ch-alpha/assets/{asset.public_id}/edit/",
        {
            "name": "Échographe salle 3",
            "asset_class": "biomedical",
            "criticality": "critical",
            "tags_text": "bloc, imagerie",
        },
    )
    asset.refresh_from_db()
    assert asset.asset_class == "biomedical"
    assert asset.class_set_manually
    assert asset.tags == ["bloc", "imagerie"]
    assert Finding.objects.count() == 0
