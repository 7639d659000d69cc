"""Bulk decisions from the findings list: assign, accept the risk, mark as false positive.
A batch is all or nothing, checked against the roles, and never reaches the findings of
another establishment, even for someone who may act on both."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from rempart.audit.models import AuditEntry
from rempart.scanning.models import Finding
from rempart.scanning.tests.factories import FindingFactory

pytestmark = pytest.mark.django_db

BULK = "/e/{slug}/findings/bulk/{action}/"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ids(*findings: Any) -> list[str]:
    return [str(f.public_id) for f in findings]


def _statuses(*findings: Any) -> list[str]:
    return [Finding.objects.get(pk=f.pk).status for f in findings]


def _message(response: Any) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture
def two(establishment_a: Any) -> list[Any]:
    return [FindingFactory(establishment=establishment_a) for _ in range(2)]


def test_assign_the_selection(personas: dict[str, Any], two: list[Any]) -> None:
    alice = personas["alice"]
    back = "/e/ch-alpha/findings/?severity=high&sort=-last_seen"
    response = _client(alice).post(
        BULK.format(slug="ch-alpha", action="assign"),
        {"findings": _ids(*two), "bulk-assignee": alice.pk, "next": back},
    )
    assert response.status_code == 302
    assert response["Location"] == back
    assert "2 vulnérabilités attribuées." in _message(response)
    assert [Finding.objects.get(pk=f.pk).assignee for f in two] == [alice, alice]
    assert AuditEntry.objects.filter(verb="scanning.finding.assigned").count() == 2
    batch = AuditEntry.objects.get(verb="scanning.findings.bulk_assigned")
    assert batch.changes["count"] == 2
    assert sorted(batch.changes["findings"]) == sorted(_ids(*two))


def test_accept_the_risk_of_the_selection(personas: dict[str, Any], two: list[Any]) -> None:
    until = timezone.localdate() + dt.timedelta(days=60)
    response = _client(personas["alice"]).post(
        BULK.format(slug="ch-alpha", action="accept"),
        {"findings": _ids(*two), "bulk-reason": "Réseau isolé", "bulk-until": until.isoformat()},
    )
    assert response.status_code == 302
    assert _statuses(*two) == ["accepted", "accepted"]
    assert {f.accepted_until for f in Finding.objects.all()} == {until}
    assert AuditEntry.objects.filter(verb="scanning.findings.bulk_risk_accepted").count() == 1


def test_false_positive_needs_a_reason(personas: dict[str, Any], two: list[Any]) -> None:
    client = _client(personas["alice"])
    url = BULK.format(slug="ch-alpha", action="false-positive")
    refused = client.post(url, {"findings": _ids(*two)})
    assert "Expliquez" in _message(refused)
    assert _statuses(*two) == ["new", "new"]
    client.post(url, {"findings": _ids(*two), "bulk-fp-reason": "Port filtré"})
    assert _statuses(*two) == ["false_positive", "false_positive"]


def test_a_refused_finding_refuses_the_whole_batch(
    personas: dict[str, Any], two: list[Any]
) -> None:
    """One finding fails the service's rule (an end date beyond a year): nothing written."""
    too_far = timezone.localdate() + dt.timedelta(days=400)
    before = AuditEntry.objects.count()
    response = _client(personas["alice"]).post(
        BULK.format(slug="ch-alpha", action="accept"),
        {"findings": _ids(*two), "bulk-reason": "x", "bulk-until": too_far.isoformat()},
    )
    assert response.status_code == 302
    assert _statuses(*two) == ["new", "new"]
    assert AuditEntry.objects.count() == before


def test_empty_or_malformed_selection(personas: dict[str, Any], two: list[Any]) -> None:
    client = _client(personas["alice"])
    url = BULK.format(slug="ch-alpha", action="false-positive")
    empty = client.post(url, {"bulk-fp-reason": "x"})
    assert "Sélectionnez au moins une vulnérabilité." in _message(empty)
    bad = client.post(url, {"findings": ["not-a-uuid"], "bulk-fp-reason": "x"})
    assert "La sélection n'est pas valide." in _message(bad)
    assert client.post(BULK.format(slug="ch-alpha", action="explode"), {}).status_code == 404
    assert _statuses(*two) == ["new", "new"]


def test_roles(personas: dict[str, Any], two: list[Any], establishment_a: Any) -> None:
    """A viewer changes nothing; a contributor may mark false positives but not accept."""
    from rempart.accounts.tests.factories import UserFactory
    from rempart.tenancy.models import Membership

    carl = UserFactory(email="carl@ch-alpha.example.org")
    Membership.objects.create(user=carl, establishment=establishment_a, role="contributor")
    until = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    accept = {"findings": _ids(*two), "bulk-reason": "x", "bulk-until": until}
    viewer = _client(personas["bob"])
    assert viewer.post(BULK.format(slug="ch-alpha", action="accept"), accept).status_code == 403
    assert (
        viewer.post(
            BULK.format(slug="ch-alpha", action="false-positive"),
            {"findings": _ids(*two), "bulk-fp-reason": "x"},
        ).status_code
        == 403
    )
    contributor = _client(carl)
    assert (
        contributor.post(BULK.format(slug="ch-alpha", action="accept"), accept).status_code == 403
    )
    assert _statuses(*two) == ["new", "new"]
    assert not AuditEntry.objects.filter(verb__startswith="scanning.finding").exists()


def test_never_another_establishments_findings(
    personas: dict[str, Any], two: list[Any], establishment_b: Any
) -> None:
    """B's referent cannot reach A's list, nor slip A's findings into B's batch; the
    operator administrator, who may act on both, cannot mix them either."""
    theirs = FindingFactory(establishment=establishment_b)
    body = {"findings": [*_ids(*two), str(theirs.public_id)], "bulk-fp-reason": "x"}
    charlie = _client(personas["charlie"])
    assert charlie.post(
        BULK.format(slug="ch-alpha", action="false-positive"), body
    ).status_code in (
        403,
        404,
    )
    mixed = charlie.post(BULK.format(slug="ehpad-bravo", action="false-positive"), body)
    assert "n'appartiennent pas à cet établissement" in _message(mixed)
    admin = _client(personas["operator_admin"])
    admin.post(BULK.format(slug="ehpad-bravo", action="false-positive"), body)
    admin.post(
        BULK.format(slug="ehpad-bravo", action="assign"),
        {"findings": _ids(*two), "bulk-assignee": ""},
    )
    assert _statuses(*two, theirs) == ["new", "new", "new"]
    assert not AuditEntry.objects.filter(verb__startswith="scanning.finding").exists()


def test_the_way_back_is_only_the_findings_list(personas: dict[str, Any], two: list[Any]) -> None:
    client = _client(personas["alice"])
    body = {"findings": _ids(*two), "bulk-fp-reason": "x"}
    for elsewhere in ("https://evil.example/", "//evil.example/", "/e/ehpad-bravo/findings/?a=1"):
        response = client.post(
            BULK.format(slug="ch-alpha", action="false-positive"), {**body, "next": elsewhere}
        )
        assert response["Location"] == "/e/ch-alpha/findings/"


def test_the_list_offers_the_bulk_form_to_who_may_change(
    personas: dict[str, Any], two: list[Any]
) -> None:
    page = _client(personas["alice"]).get("/e/ch-alpha/findings/").content.decode()
    assert 'name="findings"' in page
    assert "Accepter le risque de la sélection" in page
    viewer_page = _client(personas["bob"]).get("/e/ch-alpha/findings/").content.decode()
    assert 'name="findings"' not in viewer_page
    assert "/findings/bulk/" not in viewer_page
