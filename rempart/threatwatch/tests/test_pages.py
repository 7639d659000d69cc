"""Threat-watch pages and API: search, CVE page with affected assets in reach, lookups."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from rempart.accounts.services import api_token_create
from rempart.scanning.tests.factories import FindingFactory
from rempart.threatwatch.importers.pipeline import catalog_import_files
from rempart.threatwatch.models import Advisory, AdvisoryCve, Cve, KevEntry
from rempart.threatwatch.tests.catalog import real_catalog
from tests.french_text import problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(establishment_a: Any, establishment_b: Any) -> None:
    real_catalog()
    FindingFactory(establishment=establishment_a, check_id="cve", key="CVE-2021-41773")
    FindingFactory(establishment=establishment_b, check_id="cve", key="CVE-2021-41773")
    advisory = Advisory.objects.create(
        reference="CERTFR-2021-ALE-020",
        kind="alerte",
        title="Vulnérabilité dans Apache HTTP Server",
        summary="Une vulnérabilité a été découverte dans Apache HTTP Server.",
        cve_ids=["CVE-2021-41773"],
        url="https://www.cert.ssi.gouv.fr/alerte/CERTFR-2021-ALE-020/",
    )
    AdvisoryCve.objects.create(advisory=advisory, cve_id="CVE-2021-41773")


def test_cve_page_shows_kev_certfr_and_only_assets_in_reach(
    personas: dict[str, Any], catalog: None
) -> None:
    client = Client()
    client.force_login(personas["alice"])
    page = client.get("/intel/cve/CVE-2021-41773/").content.decode()
    assert "CERTFR-2021-ALE-020" in page
    assert "Vulnérabilité dans Apache HTTP Server" in page
    assert "KEV" in page
    assert "CH Alpha" in page
    assert "EHPAD Bravo" not in page
    assert client.get("/intel/cve/CVE-1900-0001/").status_code == 404


def test_english_texts_of_the_sources_are_marked_as_english(
    personas: dict[str, Any], catalog: None
) -> None:
    # given: a CVE with an English title, description and KEV name
    cve = Cve.objects.get(cve_id="CVE-2021-41773")
    Cve.objects.filter(pk=cve.pk).update(title="Path traversal in the HTTP server")
    KevEntry.objects.update_or_create(
        cve_id=cve.cve_id,
        defaults={"name": "Apache HTTP Server Path Traversal", "date_added": "2021-11-03"},
    )
    client = Client()
    client.force_login(personas["alice"])
    # when
    page = client.get("/intel/cve/CVE-2021-41773/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    search = client.get("/intel/?q=CVE-2021-41773", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    # then: shown, inside elements marked lang="en", so the French checker reads no English
    assert '<p class="lead" lang="en">Path traversal in the HTTP server</p>' in page
    assert '<p lang="en">' + html.escape(cve.description, quote=True)[:40] in page
    assert '<span class="small" lang="en">Apache HTTP Server Path Traversal</span>' in page
    assert '<span lang="en">Path traversal in the HTTP server</span>' in search
    # (the CERT-FR title, French, names the product "Apache HTTP Server")
    assert set(problems(page).get("english", [])) <= {"server"}, problems(page)
    assert "english" not in problems(search), problems(search)


def _shown(response: Any) -> list[str]:
    return [row.record.cve_id for row in response.context["table"].page]


def test_search_and_product_version_check(personas: dict[str, Any], catalog: None) -> None:
    client = Client()
    client.force_login(personas["bob"])
    found = _shown(client.get("/intel/", {"q": "regreSSHion"}))
    assert found == ["CVE-2024-6387"]
    by_cpe = _shown(client.get("/intel/", {"q": "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*"}))
    assert by_cpe == ["CVE-2022-41741"]
    kev = _shown(client.get("/intel/", {"kev": "on"}))
    assert kev == ["CVE-2021-41773"]
    by_id = _shown(client.get("/intel/", {"sort": "cve_id"}))
    assert by_id == sorted(by_id)
    export = client.get("/intel/", {"kev": "on", "export": "csv"})
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("CVE,Titre,CVSS,EPSS")
    assert [line.split(",")[0] for line in lines[1:]] == ["CVE-2021-41773"]
    product = client.get("/intel/vendors/openbsd/openssh/", {"version": "9.2p1"})
    assert [m.cve_id for m in product.context["matches"]] == ["CVE-2024-6387"]
    assert client.get("/intel/status/").status_code == 403


def test_api_search_detail_and_lookup(personas: dict[str, Any], catalog: None) -> None:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION="Bearer "
        + api_token_create(user=personas["bob"], name="t", scopes=["intel:read"]).secret
    )
    listed = client.get("/api/v1/cves/", {"vendor": "apache"}).json()["results"]
    assert {r["cve_id"] for r in listed} == {"CVE-2021-41773", "CVE-2099-0003", "CVE-2099-0002"}
    detail = client.get("/api/v1/cves/CVE-2021-41773/").json()
    assert detail["advisories"][0]["reference"] == "CERTFR-2021-ALE-020"
    assert detail["rules"][0]["version"] == "2.4.49"
    rows = client.get(
        "/api/v1/cves/lookup/", {"cpe": "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"}
    ).json()
    assert rows[0]["cve"] == "CVE-2021-41773"
    bad = client.get("/api/v1/cves/lookup/", {"cpe": "apache 2.4.49"})
    assert bad.status_code == 400
    assert "cpe" in bad.json()["error"]["fields"]


def test_cve_references_are_links_with_their_tags_in_french(personas: dict[str, Any]) -> None:
    # given: a real CVE record (its references carry tags), and a hostile reference
    record = Path(__file__).parent / "data" / "cve5" / "CVE-2024-6387.json"
    catalog_import_files([record])
    cve = Cve.objects.get(cve_id="CVE-2024-6387")
    first = cve.references[0]
    cve.references.insert(0, {"url": "javascript:alert(1)", "tags": ["exploit"]})
    cve.save()
    client = Client()
    client.force_login(personas["bob"])
    # when
    page = client.get("/intel/cve/CVE-2024-6387/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    # then: real links, tags as French badges, no Python repr, a script URL is not a link
    assert f'<a href="{first["url"]}" rel="noopener noreferrer">' in page
    assert "{&#x27;url&#x27;" not in page
    assert "&#x27;tags&#x27;" not in page
    assert "Avis de l&#x27;éditeur</span>" in page
    assert "x_transferred" not in page
    assert 'href="javascript:' not in page
    assert "javascript:alert(1)" in page  # shown as text


def test_match_confidence_and_rule_source_are_labels(
    personas: dict[str, Any], catalog: None
) -> None:
    client = Client()
    client.force_login(personas["bob"])
    page = client.get(
        "/intel/vendors/sonicwall/sonicos/", {"version": "7.1.1-7040"}, HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "<td>Probable</td><td>Enregistrement CVE (CNA)</td>" in page
    assert ">firm<" not in page
    assert "cve5-cna" not in page
