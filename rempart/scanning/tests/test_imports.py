"""nmap report imports: real files fill the inventory; broken files store nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation

from rempart.scanning.models import Asset, Scan, Service
from rempart.scanning.tests.factories import ScopeFactory

pytestmark = pytest.mark.django_db
REPORT = Path(__file__).parents[2] / "engine" / "tests" / "data" / "nmap-sv.xml"


def test_import_fills_the_inventory(
    personas: dict[str, Any], establishment_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ScopeFactory(establishment=establishment_a, targets="127.0.0.1")
    client = Client()
    client.force_login(personas["alice"])
    with REPORT.open("rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/e/ch-alpha/scans/import/", {"report": handle})
    scan = Scan.objects.get()
    assert response["Location"] == f"/e/ch-alpha/scans/{scan.public_id}/"
    assert scan.source == "nmap"
    assert scan.status == "completed"
    asset = Asset.objects.get(establishment=establishment_a, address="127.0.0.1")
    redis = Service.objects.get(asset=asset, port=6379)
    assert redis.name == "redis"
    assert redis.cpe.startswith("cpe:/a:")


@pytest.mark.parametrize("cut", [200, 1000, -300])
def test_truncated_report_is_refused_and_nothing_stored(
    personas: dict[str, Any], establishment_a: Any, cut: int
) -> None:
    ScopeFactory(establishment=establishment_a, targets="127.0.0.1")
    broken = REPORT.read_bytes()[:cut]
    path = Path(f"/tmp/rempart-broken-{cut}.xml")  # noqa: S108  (test file)
    path.write_bytes(broken)
    with pytest.raises(CommandError, match="Ce rapport nmap est illisible"):
        call_command("import_scan", str(path), establishment="ch-alpha")  # French by default
    with translation.override("en"), pytest.raises(CommandError, match="cannot be read"):
        call_command("import_scan", str(path), establishment="ch-alpha")
    assert not Scan.objects.exists()
    assert not Asset.objects.exists()


def test_hosts_outside_the_scopes_are_ignored(
    personas: dict[str, Any], establishment_a: Any, capsys: Any
) -> None:
    ScopeFactory(establishment=establishment_a, targets="10.0.0.0/24")
    call_command("import_scan", str(REPORT), establishment="ch-alpha")
    assert "127.0.0.1" in capsys.readouterr().out
    assert not Asset.objects.exists()
