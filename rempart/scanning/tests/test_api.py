"""Scanning API: scoped lists, launching scans, decisions with the right roles."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from rempart.accounts.services import api_token_create
from rempart.scanning.models import Scan
from rempart.scanning.tests.factories import AuthorisationFactory, FindingFactory, ScopeFactory
from rempart.tenancy.models import Membership

pytestmark = pytest.mark.django_db


def _client(user: Any, scopes: list[str]) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION="Bearer " + api_token_create(user=user, name="t", scopes=scopes).secret
    )
    return client


def test_findings_are_scoped(
    personas: dict[str, Any], establishment_a: Any, establishment_b: Any
) -> None:
    FindingFactory(establishment=establishment_a)
    FindingFactory(establishment=establishment_b)
    rows = _client(personas["charlie"], ["scanning:read"]).get("/api/v1/findings/").json()
    assert [r["establishment"] for r in rows["results"]] == ["ehpad-bravo"]
    assert _client(personas["alice"], ["tenancy:read"]).get("/api/v1/findings/").status_code == 403


def test_decisions_need_the_right_role(personas: dict[str, Any], establishment_a: Any) -> None:
    finding = FindingFactory(establishment=establishment_a)
    url = f"/api/v1/findings/{finding.public_id}/"
    until = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    contributor = personas["bob"]
    Membership.objects.filter(user=contributor).update(role="contributor")
    refused = _client(contributor, ["scanning:write"]).post(
        url + "accept/", {"reason": "x", "until": until}, format="json"
    )
    assert refused.status_code == 404
    missing = _client(personas["alice"], ["scanning:write"]).post(
        url + "accept/", {"reason": "x"}, format="json"
    )
    assert missing.status_code == 400
    assert "until" in missing.json()["error"]["fields"]
    accepted = _client(personas["alice"], ["scanning:write"]).post(
        url + "accept/", {"reason": "Isolé", "until": until}, format="json"
    )
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "accepted"
    read_only = _client(personas["alice"], ["scanning:read"]).post(
        url + "reopen/", {"reason": "x"}, format="json"
    )
    assert read_only.status_code == 403


def test_launch_refuses_targets_outside_the_scope(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    scope = ScopeFactory(establishment=establishment_a, targets="127.0.0.8/30")
    AuthorisationFactory(establishment=establishment_a, scope=scope)
    client = _client(personas["alice"], ["scanning:write"])
    refused = client.post(
        "/api/v1/scans/",
        {"scope": str(scope.public_id), "targets": ["127.0.0.9", "127.0.0.20-21"]},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["offending"] == ["127.0.0.20", "127.0.0.21"]
    assert not Scan.objects.exists()
    other = ScopeFactory(establishment=personas["charlie"].memberships.get().establishment)
    foreign = client.post("/api/v1/scans/", {"scope": str(other.public_id)}, format="json")
    assert foreign.status_code == 404


def test_launch_queues_a_job(
    personas: dict[str, Any], establishment_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    scope = ScopeFactory(
        establishment=establishment_a, targets="127.0.0.9", tcp_ports="1", udp_ports=""
    )
    AuthorisationFactory(establishment=establishment_a, scope=scope)
    client = _client(personas["alice"], ["scanning:write"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/scans/", {"scope": str(scope.public_id)}, format="json")
    assert response.status_code == 201
    scan = Scan.objects.get()
    assert scan.status == "completed"
    detail = client.get(f"/api/v1/scans/{scan.public_id}/").json()
    assert detail["status"] == "completed"
    assert client.get(f"/api/v1/scans/{scan.public_id}/findings/").json() == []
