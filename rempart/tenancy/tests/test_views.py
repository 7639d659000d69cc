"""Establishment pages: editing with clear translated errors, sites, contacts, members."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rempart.tenancy.models import Contact, Establishment, Site

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_dashboard_hides_other_establishments(personas: dict[str, Any]) -> None:
    assert _client(personas["charlie"]).get("/e/ch-alpha/").status_code == 404
    assert _client(personas["alice"]).get("/e/ch-alpha/").status_code == 200
    assert _client(personas["analyst"]).get("/e/ch-alpha/").status_code == 200
    assert _client(personas["analyst"]).get("/e/ehpad-bravo/").status_code == 404


def test_invalid_finess_is_shown_in_french_and_nothing_changes(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    client = _client(personas["alice"])
    form = client.get("/e/ch-alpha/settings/").context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"finess_et": "750712185", "city": "Versailles"})
    response = client.post("/e/ch-alpha/settings/", data)
    assert response.status_code == 200
    assert "La clé de contrôle du FINESS 750712185 est erronée" in response.content.decode()
    establishment_a.refresh_from_db()
    assert establishment_a.city == ""


def test_admin_creates_an_establishment_and_duplicate_is_refused(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    client = _client(personas["operator_admin"])
    data = {
        "name": "CH Nouveau",
        "finess_et": "750803447",
        "finess_ej": "750712184",
        "category": "ch",
        "is_active": "on",
    }
    created = client.post("/operator/establishments/new/", data)
    assert created.status_code == 302
    assert Establishment.objects.filter(finess_et="750803447").exists()
    again = client.post("/operator/establishments/new/", {**data, "name": "Doublon"})
    assert again.status_code == 200
    assert "existe déjà" in again.content.decode()
    assert not Establishment.objects.filter(name="Doublon").exists()
    assert _client(personas["alice"]).post("/operator/establishments/new/", data).status_code == 403


def test_sites_and_contacts(personas: dict[str, Any], establishment_a: Any) -> None:
    client = _client(personas["alice"])
    assert (
        client.post("/e/ch-alpha/sites/new/", {"name": "Site Nord", "city": "Lille"}).status_code
        == 302
    )
    site = Site.objects.get(name="Site Nord")
    assert site.establishment == establishment_a
    assert (
        client.post(
            "/e/ch-alpha/contacts/new/",
            {"role": "dpo", "full_name": "Inès", "email": "dpo@example.org"},
        ).status_code
        == 302
    )
    contact = Contact.objects.get(full_name="Inès")
    dashboard = client.get("/e/ch-alpha/").content.decode()
    assert "Site Nord" in dashboard
    assert "Inès" in dashboard
    assert client.post(f"/e/ch-alpha/site/{site.public_id}/delete/").status_code == 302
    assert not Site.objects.filter(pk=site.pk).exists()
    viewer = _client(personas["bob"])
    assert viewer.post(f"/e/ch-alpha/contact/{contact.public_id}/delete/").status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert client.post(f"/e/ch-alpha/castle/{contact.public_id}/delete/").status_code == 404


def test_member_list_and_role_change(personas: dict[str, Any], establishment_a: Any) -> None:
    from rempart.tenancy.models import Membership

    client = _client(personas["alice"])
    page = client.get("/e/ch-alpha/members/").content.decode()
    assert personas["bob"].email in page
    assert "Inviter" in page
    viewer_page = _client(personas["bob"]).get("/e/ch-alpha/members/").content.decode()
    assert "Envoyer l" not in viewer_page
    bob = Membership.objects.get(user=personas["bob"])
    client.post(f"/e/ch-alpha/members/{bob.public_id}/role/", {"role": "contributor"})
    bob.refresh_from_db()
    assert bob.role == "contributor"


def test_regional_dashboard_counts(
    personas: dict[str, Any], establishment_a: Any, establishment_b: Any
) -> None:
    admin_page = _client(personas["operator_admin"]).get("/operator/")
    assert admin_page.context["totals"]["establishments"] == 2
    assert admin_page.context["totals"]["members"] == 3
    analyst_page = _client(personas["analyst"]).get("/operator/")
    assert [e.slug for e in analyst_page.context["establishments"]] == ["ch-alpha"]
    assert _client(personas["alice"]).get("/operator/").status_code == 403


def test_home_redirects(personas: dict[str, Any]) -> None:
    assert _client(personas["operator_admin"]).get("/")["Location"] == "/operator/"
    assert _client(personas["bob"]).get("/")["Location"] == "/e/ch-alpha/"
    assert Client().get("/")["Location"].startswith("/accounts/login/")
