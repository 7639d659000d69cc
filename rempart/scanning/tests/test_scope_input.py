"""What a scope, a port list or a command-line scan may contain: merged sizes, ports, names
that resolve, public addresses confirmed; refused input leaves nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from rempart.audit.models import AuditEntry
from rempart.scanning.models import Scan, Scope, ScopeAuthorisation

pytestmark = pytest.mark.django_db
NEW = "/e/ch-alpha/scopes/new/"


def _text(page: str) -> str:
    """Non-breaking spaces (French typography, digit groups) read as plain ones."""
    return page.replace("\u202f", " ").replace("\xa0", " ")


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_two_large_lines_are_merged_before_the_cap(alice: Any) -> None:
    response = _client(alice).post(NEW, {"name": "Tout", "targets": "10.1.0.0/16\n10.2.0.0/16"})
    assert response.status_code == 200
    assert "131 072 adresses" in _text(response.content.decode())
    assert not Scope.objects.exists()
    ok = _client(alice).post(NEW, {"name": "Tout", "targets": "10.1.0.0/16\n10.1.0.0/17"})
    assert ok.status_code == 302


def test_ports_are_validated(alice: Any) -> None:
    response = _client(alice).post(
        NEW, {"name": "Serveurs", "targets": "10.0.0.0/24", "tcp_ports": "abc,99999"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ports invalides" in page
    assert "abc, 99999" in page
    assert not Scope.objects.exists()
    saved = _client(alice).post(
        NEW, {"name": "Serveurs", "targets": "10.0.0.0/24", "tcp_ports": "22,80,8000-8010"}
    )
    assert saved.status_code == 302
    assert Scope.objects.get().tcp_ports == "22,80,8000-8010"


@pytest.mark.parametrize("target", ["999.1.1.1", "serveur-inconnu.invalid"])
def test_unresolved_targets_are_refused_alike(alice: Any, target: str) -> None:
    response = _client(alice).post(NEW, {"name": "Serveurs", "targets": target})
    assert response.status_code == 200
    assert f"{target} : ni une adresse valide" in _text(response.content.decode())
    assert not Scope.objects.exists()


def test_public_addresses_need_a_confirmation(alice: Any) -> None:
    client = _client(alice)
    refused = client.post(NEW, {"name": "Site web", "targets": "10.0.0.0/24\n8.8.8.0/28"})
    assert refused.status_code == 200
    assert "8.8.8.0/28" in refused.content.decode()
    assert not Scope.objects.exists()
    saved = client.post(
        NEW, {"name": "Site web", "targets": "10.0.0.0/24\n8.8.8.0/28", "confirm_public": "on"}
    )
    assert saved.status_code == 302
    entry = AuditEntry.objects.get(verb="scanning.scope.public_confirmed")
    assert entry.changes == {"public_targets": ["8.8.8.0/28"]}
    assert entry.actor_id == alice.pk


def _scan(*targets: str, authorize: bool = True, **options: Any) -> None:
    call_command("scan", targets=",".join(targets), authorize=authorize, **options)


def _nothing_written() -> None:
    assert not Scope.objects.exists()
    assert not ScopeAuthorisation.objects.exists()
    assert not Scan.objects.exists()
    assert not AuditEntry.objects.filter(verb__startswith="scanning.").exists()


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        (["127.0.0.1", "hote-inconnu.invalid"], "hote-inconnu.invalid : ni une adresse valide"),
        (["10.0.0.0/4"], "10.0.0.0/4 : plus de 65"),
        (["999.1.1.1"], "999.1.1.1 : ni une adresse valide"),
        (["127.0.0.0/16", "127.1.0.0/16"], "131"),
    ],
)
def test_refused_cli_scan_writes_nothing(
    establishment_a: Any, targets: list[str], message: str
) -> None:
    with pytest.raises(CommandError) as caught:
        _scan(*targets, establishment="ch-alpha")
    assert message in _text(str(caught.value))
    _nothing_written()
    # the establishment can still scan and import afterwards (no broken scope left behind)
    with pytest.raises(CommandError, match="hors du périmètre autorisé"):
        _scan("127.0.0.1", authorize=False, establishment="ch-alpha")


def test_cli_public_targets_need_confirmation(establishment_a: Any) -> None:
    with pytest.raises(CommandError, match=r"8\.8\.8\.8"):
        _scan("8.8.8.8", establishment="ch-alpha")
    _nothing_written()


def test_repeated_cli_targets_are_stored_once(establishment_a: Any, monkeypatch: Any) -> None:
    from rempart.scanning.services import scopes

    created: list[Scan] = []
    original = scopes.cli_scan_create

    def keep(**kwargs: Any) -> Scan:
        scan: Scan = original(**kwargs)
        created.append(scan)
        raise CommandError("stop before running nmap")

    monkeypatch.setattr("rempart.scanning.management.commands.scan.cli_scan_create", keep)
    with pytest.raises(CommandError, match="stop before"):
        _scan(*["127.0.0.0/16"] * 5000, establishment="ch-alpha")
    assert created[0].targets == "127.0.0.0/16"
    assert Scope.objects.get().target_lines() == ["127.0.0.0/16"]
