"""Inventory pages: who reads, who edits, the regional catalogue, tenancy, the audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rempart.audit.models import AuditEntry
from rempart.core.navigation import menu_for
from rempart.tenancy import access
from rempart.threatwatch.models import CatalogueProduct, DeclaredProduct
from rempart.threatwatch.tests.catalog import cve, real_catalog, rule
from rempart.threatwatch.tests.factories import DeclaredProductFactory

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_referent_declares_picks_from_the_catalogue_and_sees_the_cves(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    real_catalog()
    entry = CatalogueProduct.objects.create(
        category="infrastructure",
        name="Portail web",
        supplier="Apache",
        cpe_vendor="apache",
        cpe_product="http_server",
    )
    client = _client(personas["alice"])
    url = reverse("threatwatch:inventory_create", args=[establishment_a.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, {"catalogue": entry.pk, "version": "2.4.49"})
    assert response.status_code == 302, response.context["form"].errors
    product = DeclaredProduct.objects.get(establishment=establishment_a)
    assert (product.name, product.category, product.cpe_product) == (
        "Portail web",
        "infrastructure",
        "http_server",
    )
    detail = client.get(response["Location"]).content.decode()
    assert "CVE-2021-41773" in detail
    listing = client.get(reverse("threatwatch:inventory_list", args=[establishment_a.slug]))
    assert "Portail web" in listing.content.decode()
    assert AuditEntry.objects.filter(verb="threatwatch.declared_product.created").count() == 1
    edit = reverse("threatwatch:inventory_edit", args=[establishment_a.slug, product.public_id])
    client.post(
        edit,
        {
            "name": "Portail",
            "category": "infrastructure",
            "version": "2.4.62",
            "cpe_vendor": "apache",
            "cpe_product": "http_server",
        },
    )
    delete = reverse("threatwatch:inventory_delete", args=[establishment_a.slug, product.public_id])
    client.post(delete)
    verbs = list(
        AuditEntry.objects.filter(verb__startswith="threatwatch.")
        .values_list("verb", flat=True)
        .order_by("seq")
    )
    assert verbs == [
        "threatwatch.declared_product.created",
        "threatwatch.declared_product.updated",
        "threatwatch.declared_product.deleted",
    ]
    assert not DeclaredProduct.objects.exists()


def test_import_page_explains_the_columns(personas: dict[str, Any], establishment_a: Any) -> None:
    client = _client(personas["alice"])
    page = client.get(reverse("threatwatch:inventory_import", args=[establishment_a.slug]))
    assert page.status_code == 200
    assert "fournisseur" in page.content.decode()


def test_half_a_cpe_is_refused(personas: dict[str, Any], establishment_a: Any) -> None:
    client = _client(personas["alice"])
    url = reverse("threatwatch:inventory_create", args=[establishment_a.slug])
    response = client.post(url, {"name": "X", "cpe_vendor": "apache"})
    assert response.status_code == 200
    assert not DeclaredProduct.objects.exists()


def test_viewer_reads_but_does_not_edit(personas: dict[str, Any], establishment_a: Any) -> None:
    product = DeclaredProductFactory(establishment=establishment_a)
    client = _client(personas["bob"])
    listing = client.get(reverse("threatwatch:inventory_list", args=[establishment_a.slug]))
    assert product.name in listing.content.decode()
    assert "Déclarer un produit" not in listing.content.decode()
    url = reverse("threatwatch:inventory_create", args=[establishment_a.slug])
    assert client.post(url, {"name": "X", "category": "other"}).status_code == 403
    assert DeclaredProduct.objects.count() == 1


def test_other_establishment_sees_nothing(personas: dict[str, Any], establishment_a: Any) -> None:
    product = DeclaredProductFactory(establishment=establishment_a, name="Secret PACS")
    client = _client(personas["charlie"])
    detail = reverse("threatwatch:inventory_detail", args=[establishment_a.slug, product.public_id])
    assert client.get(detail).status_code == 404
    listing = reverse("threatwatch:inventory_list", args=[establishment_a.slug])
    assert client.get(listing).status_code == 404


def test_suggestion_endpoint_and_pick(personas: dict[str, Any], establishment_a: Any) -> None:
    rule(cve("CVE-2099-2000"), "carestream", "vue_pacs")
    client = _client(personas["bob"])
    url = reverse("threatwatch:inventory_suggest", args=[establishment_a.slug])
    html = client.get(url, {"cpe_search": "vue pacs"}, HTTP_HX_REQUEST="true").content.decode()
    assert "carestream:vue_pacs" in html
    picked = client.get(url, {"pick": "carestream:vue_pacs"}).content.decode()
    assert 'value="carestream"' in picked
    assert 'value="vue_pacs"' in picked


def test_operator_curates_the_catalogue_members_do_not(personas: dict[str, Any]) -> None:
    analyst = _client(personas["analyst"])
    create = reverse("threatwatch:catalogue_create")
    response = analyst.post(
        create,
        {
            "category": "laboratory",
            "name": "SIL régional",
            "cpe_vendor": "Example Lab",
            "cpe_product": "SIL",
        },
    )
    assert response.status_code == 302
    entry = CatalogueProduct.objects.get()
    assert (entry.cpe_vendor, entry.cpe_product) == ("example_lab", "sil")
    assert "SIL régional" in analyst.get(reverse("threatwatch:catalogue_list")).content.decode()
    edit = reverse("threatwatch:catalogue_edit", args=[entry.public_id])
    assert "SIL régional" in analyst.get(edit).content.decode()
    alice = _client(personas["alice"])
    assert alice.get(reverse("threatwatch:catalogue_list")).status_code == 403
    assert alice.post(create, {"category": "other", "name": "X"}).status_code == 403
    delete = reverse("threatwatch:catalogue_delete", args=[entry.public_id])
    assert alice.post(delete).status_code == 403
    assert analyst.post(delete).status_code == 302
    assert not CatalogueProduct.objects.exists()
    assert AuditEntry.objects.filter(verb="threatwatch.catalogue_product.deleted").exists()


def test_menus(personas: dict[str, Any], establishment_a: Any) -> None:
    alice = personas["alice"]
    entries = menu_for(
        alice,
        "establishment",
        establishment=establishment_a,
        allowed=access.actions_on(alice, establishment_a),
    )
    keys = {e.key for e in entries} | {c.key for e in entries for c in e.children}
    assert "declared_inventory" in keys
    staff = menu_for(personas["analyst"], "global")
    staff_keys = {e.key for e in staff} | {c.key for e in staff for c in e.children}
    assert "regional_catalogue" in staff_keys
    member = menu_for(alice, "global")
    assert "regional_catalogue" not in {e.key for e in member} | {
        c.key for e in member for c in e.children
    }
