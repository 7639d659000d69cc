"""Declared products matched like scanned ones; the "declared" exposure source; end of life;
remote-access flags; CPE suggestions ranked."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from rempart.scanning.tests.factories import ServiceFactory
from rempart.threatwatch.exposure import exposures_for, registered_sources
from rempart.threatwatch.inventory.exposure import declared_exposures
from rempart.threatwatch.inventory.matching import declared_matches, is_end_of_life
from rempart.threatwatch.inventory.remote import remote_access_flags
from rempart.threatwatch.inventory.suggest import cpe_suggestions
from rempart.threatwatch.models import CatalogueProduct
from rempart.threatwatch.tests.catalog import cve, real_catalog, rule
from rempart.threatwatch.tests.factories import DeclaredProductFactory

pytestmark = pytest.mark.django_db


def _declare(establishment: Any, vendor: str, product: str, version: str, **fields: Any) -> Any:
    return DeclaredProductFactory(
        establishment=establishment,
        cpe_vendor=vendor,
        cpe_product=product,
        version=version,
        **fields,
    )


def test_declared_product_matches_a_catalog_cve_with_scan_confidence(
    establishment_a: Any,
) -> None:
    real_catalog()
    vulnerable = _declare(establishment_a, "openbsd", "openssh", "9.6p1")
    fixed = _declare(establishment_a, "openbsd", "openssh", "9.8p1")
    on_windows = _declare(establishment_a, "apache", "http_server", "2.4.49")
    no_version = _declare(establishment_a, "apache", "http_server", "")
    found = declared_matches([vulnerable, fixed, on_windows, no_version])
    assert [m.cve_id for m in found[vulnerable.pk]] == ["CVE-2024-6387"]
    assert found[vulnerable.pk][0].confidence == "firm"
    assert found[fixed.pk] == []
    assert found[no_version.pk] == []
    by_cve = {m.cve_id: m for m in found[on_windows.pk]}
    assert set(by_cve) == {"CVE-2021-41773", "CVE-2099-0003"}  # the rejected one is not
    assert by_cve["CVE-2021-41773"].known_exploited
    assert by_cve["CVE-2099-0003"].confidence == "tentative"  # needs Windows: to verify
    assert next(m.cve_id for m in found[on_windows.pk]) == "CVE-2021-41773"  # KEV first


def test_declared_exposures_give_each_affected_establishment_and_why(
    establishment_a: Any, establishment_b: Any
) -> None:
    real_catalog()
    a_product = _declare(establishment_a, "apache", "http_server", "2.4.49", name="Portail")
    _declare(establishment_b, "apache", "http_server", "2.4.62", name="Portail B")
    _declare(establishment_b, "f5", "nginx", "1.22.0", name="Proxy")
    assert "declared" in registered_sources()
    items = list(declared_exposures(["CVE-2021-41773"]))
    assert [(i.establishment_id, i.object_id, i.kind) for i in items] == [
        (establishment_a.pk, a_product.pk, "declared")
    ]
    item = items[0]
    assert item.confidence == "firm"
    assert item.product == "apache:http_server"
    assert item.version == "2.4.49"
    assert "2.4.49" in item.reason
    assert item.url.endswith(f"/inventory/{a_product.public_id}/")
    nginx = [i for i in exposures_for(["cve-2022-41741"]) if i.kind == "declared"]
    assert [i.establishment_id for i in nginx] == [establishment_b.pk]


def test_a_new_cve_reaches_declared_products_without_any_refresh(establishment_a: Any) -> None:
    product = _declare(establishment_a, "example", "dossier_patient", "3.2")
    assert list(declared_exposures(["CVE-2099-0100"])) == []
    record = cve("CVE-2099-0100", cvss=9.8, kev=True)
    rule(record, "example", "dossier_patient", start_including="3.0", end_excluding="3.3")
    assert [i.object_id for i in declared_exposures(["CVE-2099-0100"])] == [product.pk]


def test_end_of_life(establishment_a: Any) -> None:
    entry = CatalogueProduct.objects.create(
        category="remote_access",
        name="TeamViewer",
        cpe_vendor="teamviewer",
        cpe_product="teamviewer",
        oldest_supported="15.0",
        remote_access=True,
    )
    old = _declare(establishment_a, "teamviewer", "teamviewer", "12.1", catalogue=entry)
    current = _declare(establishment_a, "teamviewer", "teamviewer", "15.3", catalogue=entry)
    past_support = _declare(
        establishment_a,
        "x",
        "y",
        "1",
        support_ends_on=timezone.localdate() - dt.timedelta(days=1),
    )
    declared = _declare(establishment_a, "x", "z", "1", end_of_life=True)
    assert is_end_of_life(old)
    assert not is_end_of_life(current)
    assert is_end_of_life(past_support)
    assert is_end_of_life(declared)


def test_remote_access_seen_but_not_declared_or_end_of_life(
    establishment_a: Any, establishment_b: Any
) -> None:
    ServiceFactory(establishment=establishment_a, port=5938, name="", product="")
    ServiceFactory(establishment=establishment_a, port=7070, name="anydesk", product="AnyDesk")
    ServiceFactory(establishment=establishment_a, port=3389, name="ms-wbt-server")
    ServiceFactory(establishment=establishment_a, port=22, name="ssh", product="OpenSSH")
    ServiceFactory(establishment=establishment_b, port=5900, name="vnc")
    _declare(establishment_a, "anydesk", "anydesk", "7.0", name="AnyDesk", end_of_life=True)
    flags = remote_access_flags(establishment=establishment_a)
    undeclared = sorted(f.tool for f in flags if f.kind == "undeclared")
    assert undeclared == ["rdp", "teamviewer"]  # AnyDesk is declared, SSH is not remote access
    assert [f.label for f in flags if f.kind == "end_of_life"] == ["AnyDesk 7.0"]
    # B's VNC is B's business.
    assert all(f.tool != "vnc" for f in flags)


def test_suggestions_are_ranked(establishment_a: Any) -> None:
    for number, (vendor, product) in enumerate(
        [
            ("apache", "http_server"),
            ("apache", "http_server"),
            ("apache", "tomcat"),
            ("apache", "tomcat"),
            ("apache", "tomcat"),
            ("microsoft", "exchange_server"),
            ("example", "server_http"),
            ("httpd_project", "mini"),
        ]
    ):
        rule(cve(f"CVE-2099-{1000 + number}"), vendor, product)
    CatalogueProduct.objects.create(
        category="imaging", name="Serveur HTTP du PACS", cpe_vendor="pacs", cpe_product="http"
    )
    keys = [s.key for s in cpe_suggestions("http")]
    # The regional catalogue first, then product prefix, vendor prefix, substring.
    assert keys[0] == "pacs:http"
    assert keys[1:] == ["apache:http_server", "httpd_project:mini", "example:server_http"]
    # A vendor name ranks its products by their number of CVEs.
    assert [s.key for s in cpe_suggestions("apache")] == ["apache:tomcat", "apache:http_server"]
    assert [s.key for s in cpe_suggestions("Apache HTTP")] == ["apache:http_server"]
    assert cpe_suggestions("h") == []
