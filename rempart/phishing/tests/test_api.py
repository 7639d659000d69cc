"""Phishing API: campaigns scoped to the caller's establishments, aggregated results equal
to the screens' (never below 5 people), pseudonymous targets (no name, no address)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from rempart.accounts.services import api_token_create
from rempart.phishing.models import Campaign, Target
from rempart.phishing.results import stats
from rempart.phishing.tests.factories import CampaignFactory, EmailTemplateFactory
from rempart.phishing.tests.results_world import (
    CANARY_DOMAIN,
    CANARY_FIRST_NAME,
    CANARY_LAST_NAME,
    sent_campaign,
)

pytestmark = pytest.mark.django_db

LAUNCH = dt.datetime(2025, 5, 12, 7, 0, tzinfo=dt.UTC)
API = "/api/v1/phishing-campaigns/"


def _client(user: Any, scopes: list[str]) -> APIClient:
    client = APIClient()
    secret = api_token_create(user=user, name="t", scopes=scopes).secret
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def _campaign(establishment: Any, **kwargs: Any) -> Campaign:
    template = EmailTemplateFactory(
        establishment=establishment, name="Boîte pleine", difficulty="very"
    )
    return sent_campaign(establishment, template=template, launched_at=LAUNCH, **kwargs)


def test_list_shows_only_the_callers_establishments(
    personas: dict[str, Any], establishment_a: Any, establishment_b: Any
) -> None:
    # given
    ours = _campaign(establishment_a, sent=6)
    CampaignFactory(establishment=establishment_a, name="Brouillon")
    _campaign(establishment_b, sent=5)
    # when
    rows = _client(personas["alice"], ["phishing:read"]).get(API).json()["results"]
    # then
    assert {row["name"] for row in rows} == {ours.name, "Brouillon"}
    assert {row["establishment"] for row in rows} == {"ch-alpha"}
    row = next(row for row in rows if row["id"] == str(ours.public_id))
    assert row["status"] == "closed"
    assert row["mode"] == "pseudonymous"
    assert row["target_count"] == 6
    assert row["launched_at"] is not None
    assert row["variants"] == [
        {
            "label": "A",
            "template": "Boîte pleine",
            "subject": "Votre boîte aux lettres est pleine",
            "difficulty": "very",
            "weight": 1,
        }
    ]


def test_status_filter(personas: dict[str, Any], establishment_a: Any) -> None:
    closed = _campaign(establishment_a, sent=5)
    CampaignFactory(establishment=establishment_a, status="draft")
    rows = (
        _client(personas["bob"], ["phishing:read"]).get(API, {"status": "closed"}).json()["results"]
    )
    assert [row["id"] for row in rows] == [str(closed.public_id)]


def test_operator_analyst_sees_only_the_perimeter(
    personas: dict[str, Any], establishment_a: Any, establishment_b: Any
) -> None:
    in_ght = _campaign(establishment_a, sent=5)
    outside = _campaign(establishment_b, sent=5)
    client = _client(personas["analyst"], ["phishing:read"])
    rows = client.get(API).json()["results"]
    assert [row["id"] for row in rows] == [str(in_ght.public_id)]
    assert client.get(f"{API}{outside.public_id}/results/").status_code == 404


def test_other_establishment_answers_404(personas: dict[str, Any], establishment_a: Any) -> None:
    # given
    campaign = _campaign(establishment_a, sent=6, clicked=2)
    client = _client(personas["charlie"], ["phishing:write"])
    # when / then
    for suffix in ("", "results/", "targets/"):
        response = client.get(f"{API}{campaign.public_id}/{suffix}")
        assert response.status_code == 404, suffix
        assert response.json()["error"]["status"] == 404
        assert CANARY_DOMAIN not in response.content.decode()


def test_token_needs_the_phishing_scope(personas: dict[str, Any], establishment_a: Any) -> None:
    campaign = _campaign(establishment_a, sent=5)
    client = _client(personas["alice"], ["tenancy:read", "scanning:read"])
    assert client.get(API).status_code == 403
    assert client.get(f"{API}{campaign.public_id}/targets/").status_code == 403


def test_read_only(personas: dict[str, Any], establishment_a: Any) -> None:
    campaign = _campaign(establishment_a, sent=5)
    client = _client(personas["alice"], ["phishing:write"])
    assert client.post(API, {"name": "x"}, format="json").status_code == 405
    url = f"{API}{campaign.public_id}/"
    assert client.patch(url, {"name": "x"}, format="json").status_code == 405
    assert client.delete(url).status_code == 405
    assert Campaign.objects.filter(pk=campaign.pk, name=campaign.name).exists()


def test_results_match_the_stats(personas: dict[str, Any], establishment_a: Any) -> None:
    # given: 10 sent, 6 opened, 3 human clicks + 2 scanner-only click hits, 1 submission,
    # 4 reports (none of whom clicked), the first 30 minutes after the first message
    campaign = _campaign(
        establishment_a, sent=10, opened=6, clicked=3, scanner_clicks=2, submitted=1, reported=4
    )
    # 3 people of another service: merged into the "other" row, which stays hidden
    pharmacy = Target.objects.filter(campaign=campaign).order_by("-pseudonym")[:3]
    Target.objects.filter(pk__in=[t.pk for t in pharmacy]).update(department="Pharmacie")
    # when
    body = _client(personas["bob"], ["phishing:read"]).get(f"{API}{campaign.public_id}/results/")
    # then
    assert body.status_code == 200
    data = body.json()
    funnel = data["funnel"]
    expected = stats.campaign_funnel(campaign)
    for name in ("targets", "sent", "opened", "clicked_raw", "clicked", "submitted", "reported"):
        assert funnel[name] == getattr(expected, name), name
    assert (funnel["sent"], funnel["opened"], funnel["clicked"], funnel["clicked_raw"]) == (
        10,
        6,
        3,
        5,
    )
    assert funnel["reported_before_click"] == 4
    assert funnel["rates"] == {
        "opened": 60.0,
        "clicked_raw": 50.0,
        "clicked": 30.0,
        "submitted": 10.0,
        "reported": 40.0,
        "trained": 0.0,
    }
    assert funnel["suppressed"] is False
    assert funnel["first_report_after_seconds"] == 30 * 60
    assert funnel["scanner_hits"] == 2
    assert funnel["scanner_reasons"] == {"too_fast": 2}
    assert data["min_group"] == 5
    assert [(r["label"], r["funnel"]["sent"]) for r in data["by_variant"]] == [("A", 10)]
    assert data["by_variant"][0]["funnel"]["rates"]["clicked"] == 30.0
    soins, other = data["by_department"]
    assert (soins["label"], soins["merged"], soins["funnel"]["sent"]) == ("Soins", False, 7)
    assert soins["funnel"]["clicked"] == 3
    assert soins["funnel"]["reported"] == 1
    assert other["label"] is None
    assert other["merged"] is True
    assert other["funnel"]["suppressed"] is True
    assert other["funnel"]["reported"] is None
    assert set(other["funnel"]["rates"].values()) == {None}
    assert [(r["label"], r["funnel"]["sent"]) for r in data["by_job_family"]] == [("Infirmier", 10)]


def test_results_below_five_people_show_no_figure(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    campaign = _campaign(establishment_a, sent=4, opened=2, clicked=1, reported=1)
    data = (
        _client(personas["alice"], ["phishing:read"])
        .get(f"{API}{campaign.public_id}/results/")
        .json()
    )
    funnel = data["funnel"]
    assert funnel["suppressed"] is True
    assert funnel["sent"] == 4
    for name in ("opened", "clicked", "clicked_raw", "reported", "reported_before_click"):
        assert funnel[name] is None, name
    assert set(funnel["rates"].values()) == {None}
    assert funnel["first_report_after_seconds"] is None
    assert data["by_variant"][0]["funnel"]["clicked"] is None


def test_targets_are_pseudonymous_and_paginated(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    # given: identified results asked for the campaign — the API stays pseudonymous
    campaign = _campaign(establishment_a, sent=6, opened=2, clicked=1, reported=1)
    Campaign.objects.filter(pk=campaign.pk).update(mode="identified")
    client = _client(personas["alice"], ["phishing:read"])
    # when
    first = client.get(f"{API}{campaign.public_id}/targets/", {"page_size": 4})
    second = client.get(first.json()["next"])
    # then
    assert first.status_code == second.status_code == 200
    rows = first.json()["results"] + second.json()["results"]
    assert first.json()["count"] == 6
    assert [row["pseudonym"] for row in rows] == sorted(
        campaign.targets.values_list("pseudonym", flat=True)
    )
    assert set(rows[0]) == {
        "pseudonym",
        "variant",
        "state",
        "sent_at",
        "opened_at",
        "clicked_at",
        "confirmed_at",
        "submitted_at",
        "reported_at",
        "trained_at",
    }
    assert rows[0]["variant"] == "A"
    assert rows[0]["clicked_at"] is not None
    assert rows[1]["clicked_at"] is None
    assert rows[-1]["reported_at"] is not None
    for response in (first, second):
        body = response.content.decode()
        for canary in (CANARY_DOMAIN, CANARY_FIRST_NAME, CANARY_LAST_NAME, "Soins", "@"):
            assert canary not in body, canary


def test_schema_describes_the_phishing_api(personas: dict[str, Any], client: Any) -> None:
    client.force_login(personas["alice"])
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/phishing-campaigns/" in paths
    results = paths["/api/v1/phishing-campaigns/{public_id}/results/"]["get"]
    assert "PhishingCampaignResults" in str(results["responses"]["200"])
    targets = paths["/api/v1/phishing-campaigns/{public_id}/targets/"]["get"]
    assert "page" in {p["name"] for p in targets.get("parameters", [])}
    components = schema.json()["components"]["schemas"]
    assert "email" not in components["PhishingTargetOutput"]["properties"]
