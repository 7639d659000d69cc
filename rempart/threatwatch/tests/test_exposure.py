"""The exposure view: for a CVE or a CERT-FR publication, every affected establishment,
asset/service and declared product, with confidence and why, within the reader's reach."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rempart.scanning.tests.factories import ServiceFactory
from rempart.threatwatch import exposure
from rempart.threatwatch.exposure import ExposureItem, exposures_for, registered_sources
from rempart.threatwatch.models import Advisory, AdvisoryCve
from rempart.threatwatch.services.correlation import correlate_services
from rempart.threatwatch.tests.catalog import real_catalog

pytestmark = pytest.mark.django_db
NGINX_CVE = "CVE-2022-41741"


def nginx(establishment: Any, address: str) -> Any:
    return ServiceFactory(
        establishment=establishment,
        asset__address=address,
        port=443,
        product="nginx",
        version="1.22.0",
        cpe="cpe:/a:igor_sysoev:nginx:1.22.0",
    )


@pytest.fixture
def exposed(establishment_a: Any, establishment_b: Any) -> None:
    real_catalog()
    correlate_services([nginx(establishment_a, "10.1.0.5"), nginx(establishment_b, "10.2.0.7")])
    advisory = Advisory.objects.create(
        reference="CERTFR-2022-AVI-0950",
        kind="avis",
        title="Multiples vulnérabilités dans nginx",
        summary="De multiples vulnérabilités ont été découvertes dans nginx.",
        cve_ids=[NGINX_CVE, "CVE-2021-41773"],
    )
    AdvisoryCve.objects.create(advisory=advisory, cve_id=NGINX_CVE)


@pytest.fixture
def declared_source(establishment_a: Any) -> Iterator[None]:
    """A declared-inventory source as the inventory's would answer (one declared product)."""

    def declared(cve_ids: list[str]) -> Iterator[ExposureItem]:
        if NGINX_CVE in cve_ids:
            yield ExposureItem(
                establishment_a.pk, NGINX_CVE, "declared", 1, "Portail patients", "",
                "nginx", "1.22.0", "firm", "Produit déclaré : nginx 1.22.0.",
            )  # fmt: skip

    exposure.register_source("declared-test", declared)
    yield
    exposure._SOURCES.pop("declared-test")


def test_the_finding_source_is_registered_and_yields_open_findings(
    exposed: None, establishment_a: Any
) -> None:
    assert "finding" in registered_sources()
    items = [i for i in exposures_for([NGINX_CVE.lower()]) if i.kind == "finding"]
    assert len(items) == 2
    mine = next(i for i in items if i.establishment_id == establishment_a.pk)
    assert mine.label == "10.1.0.5:443/tcp"
    assert mine.version == "1.22.0"
    assert mine.confidence == "firm"
    assert "1.22.0" in mine.reason
    assert mine.url.startswith(f"/e/{establishment_a.slug}/findings/")


def test_operator_sees_every_member_with_why(
    exposed: None, declared_source: None, personas: dict[str, Any], establishment_b: Any
) -> None:
    client = Client()
    client.force_login(personas["operator_admin"])
    page = client.get(reverse("threatwatch:cve_exposure", args=[NGINX_CVE])).content.decode()
    assert "2 établissements concernés" in page
    assert "3 éléments concernés" in page
    assert establishment_b.name in page
    assert "Portail patients" in page
    assert "Produit déclaré" in page
    assert "10.2.0.7:443/tcp" in page


def test_a_member_sees_only_its_establishment(
    exposed: None, personas: dict[str, Any], establishment_a: Any, establishment_b: Any
) -> None:
    client = Client()
    client.force_login(personas["charlie"])
    url = reverse("threatwatch:advisory_exposure", args=["certfr-2022-avi-0950"])
    page = client.get(url).content.decode()
    assert "Multiples vulnérabilités dans nginx" in page
    assert establishment_b.name in page
    assert establishment_a.name not in page
    assert "10.1.0.5" not in page
    assert "1 établissement concerné" in page


def test_unknown_references_answer_404(personas: dict[str, Any]) -> None:
    client = Client()
    client.force_login(personas["alice"])
    assert (
        client.get(reverse("threatwatch:cve_exposure", args=["CVE-1999-0000"])).status_code == 404
    )
    url = reverse("threatwatch:advisory_exposure", args=["CERTFR-1999-AVI-0000"])
    assert client.get(url).status_code == 404
