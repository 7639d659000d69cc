"""The demo region: loaded offline, once, with data on every module's main page for each role.

The demo is loaded once for the module (it replays seven weeks of history through the
services, a few seconds); the tests read what it left. Loading runs under a socket guard
that refuses every connection and name lookup outside the loopback interface.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from http import HTTPStatus
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import give_totp
from rempart.accounts.models import User
from rempart.jobs.models import JobRun
from rempart.ops.demo import ESTABLISHMENTS, accounts_table, demo_needed
from rempart.phishing.models import Campaign, Interaction, PhishReport, Target
from rempart.scanning.models import Finding, FindingEvent, Scan
from rempart.tenancy.finess import validate_finess
from rempart.tenancy.models import Establishment, Membership, OperatorAssignment
from rempart.threatwatch.inventory.exposure import declared_exposures
from rempart.threatwatch.models import (
    Advisory,
    Bulletin,
    Cve,
    DeclaredProduct,
    EstablishmentAlert,
    KevEntry,
)
from rempart.webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


class NetworkUsedError(AssertionError):
    """The demo tried to reach something outside this machine."""


def _loopback(host: Any) -> bool:
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return str(host) in ("localhost", "")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every connection or name lookup outside loopback fails and is listed."""
    attempts: list[str] = []
    connect, lookup = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            attempts.append(f"connect {address}")
            raise NetworkUsedError(address)
        return connect(self, address)

    def guarded_lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _loopback(host):
            attempts.append(f"lookup {host}")
            raise NetworkUsedError(host)
        return lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_lookup)
    return attempts


def test_the_guard_refuses_the_network(no_network: list[str]) -> None:
    with socket.socket() as sock, pytest.raises(NetworkUsedError):
        sock.connect(("192.0.2.1", 443))
    with pytest.raises(NetworkUsedError):
        socket.getaddrinfo("cert.ssi.gouv.fr", 443)
    assert no_network == ["connect ('192.0.2.1', 443)", "lookup cert.ssi.gouv.fr"]


# (account, page name, URL arguments, what the page's text must show: regular expressions)
PAGES: list[tuple[str, str, list[str], list[str]]] = [
    ("rssi.ght", "dashboard:establishment", ["ch-boulogne"], ["Centre hospitalier Démo"]),
    ("rssi.ght", "scanning:finding_list", ["ch-boulogne"], ["CVE-2025-24813", "CVE-2024-6387"]),
    ("rssi.ght", "scanning:asset_list", ["ch-boulogne"], ["pacs01.ch-boulogne.local"]),
    ("rssi.ght", "scanning:scan_list", ["ch-nanterre"], ["Import nmap"]),
    ("rssi.ght", "phishing:campaign_list", ["hdj-suresnes"], ["Sensibilisation"]),
    ("rssi.ght", "webhooks:endpoint_list", ["ch-boulogne"], ["SIEM du GHT"]),
    ("rssi.ght", "scanning:report_list", ["ch-boulogne"], ["Centre hospitalier Démo de Boulogne"]),
    ("rssi.ght", "audit:establishment_log", ["ch-boulogne"], ["rssi.ght@demo.rempart.test"]),
    ("lecteur.boulogne", "scanning:finding_list", ["ch-boulogne"], ["CVE-2025-24813"]),
    ("lecteur.boulogne", "scanning:dashboard", ["ch-boulogne"], [r"Vulnérabilités ouvertes [1-9]"]),
    ("lecteur.boulogne", "phishing:campaign_list", ["ch-boulogne"], ["Sensibilisation"]),
    ("lecteur.boulogne", "threatwatch:cve_search", [], ["CVE-"]),
    ("dpo.boulogne", "phishing:campaign_list", ["ch-boulogne"], ["Sensibilisation"]),
    ("rssi.ght", "phishing:report_list", ["ch-boulogne"], ["Votre boîte aux lettres est pleine"]),
    ("contributeur.nanterre", "scanning:finding_list", ["ch-nanterre"], ["CVE-"]),
    ("contributeur.nanterre", "scanning:asset_list", ["ch-nanterre"], ["web-rdv"]),
    ("direction.ehpad", "scanning:finding_list", ["ehpad-tilleuls"], ["CVE-"]),
    ("direction.ehpad", "phishing:campaign_list", ["ehpad-tilleuls"], ["Sensibilisation"]),
    ("analyste", "dashboard:regional", [], ["Nanterre", "Boulogne", "Suresnes"]),
    ("analyste", "phishing:operator_compare", [], ["Nanterre", "Boulogne"]),
    ("admin", "dashboard:regional", [], ["Nanterre", "Boulogne", "Tilleuls", "ENRS"]),
    ("admin", "phishing:operator_compare", [], ["Nanterre", "Boulogne", "Tilleuls"]),
    ("admin", "threatwatch:status", [], ["KEV"]),
    (
        "rssi.ght",
        "threatwatch:inventory_list",
        ["ch-boulogne"],
        ["Hôpital Manager", "Tomcat du portail patients", "Fin de vie", "RDP vu par un scan"],
    ),
    ("lecteur.boulogne", "threatwatch:inventory_list", ["ch-boulogne"], ["Carestream Vue PACS"]),
    ("direction.ehpad", "threatwatch:inventory_list", ["ehpad-tilleuls"], ["AnyDesk"]),
    ("analyste", "threatwatch:catalogue_list", [], ["Hôpital Manager", "TeamViewer"]),
    ("admin", "dashboard:regional", [], ["Nouvelles alertes KEV et CERT-FR", "démonstration"]),
    ("admin", "threatwatch:bulletin_archive", [], ["Télécharger"]),
    ("rssi.ght", "threatwatch:alert_list", ["ch-boulogne"], ["En cours"]),
    ("admin", "jobs:list", [], ["clé USB", "catalogue de démonstration"]),
]


def test_demo_loads_offline_once_with_data_for_every_role(
    no_network: list[str], django_capture_on_commit_callbacks: Any, capsys: Any
) -> None:
    for spec in ESTABLISHMENTS:
        validate_finess(spec["finess_et"])
        validate_finess(spec["finess_ej"])
    with django_capture_on_commit_callbacks(execute=True):
        call_command("init", "--demo")
    assert no_network == []
    printed = capsys.readouterr().out
    password = re.search(r"password: (\S+)", printed)
    assert password is not None, printed
    with translation.override("en"):  # the console's language
        table = accounts_table()
    for login, role, places in table:
        assert login in printed
        assert role in printed
        assert places in printed
        assert User.objects.get(email=login).check_password(password.group(1)), login
    _history_is_there()
    _pages_show_data()
    # a second start loads nothing
    counts = (Finding.objects.count(), Campaign.objects.count(), JobRun.objects.count())
    call_command("init", "--demo")
    assert "Demo region loaded" not in capsys.readouterr().out
    assert (Finding.objects.count(), Campaign.objects.count(), JobRun.objects.count()) == counts
    with pytest.raises(CommandError, match="already has establishments"):
        call_command("demo")


def _history_is_there() -> None:
    assert not demo_needed()
    # the region: a GHT of three, two care homes, the operator's two; one account per role
    assert Establishment.objects.count() == 7
    assert Establishment.objects.filter(group__code="ght-seine-ouest").count() == 3
    assert Establishment.objects.filter(category="ehpad").count() == 2
    assert Establishment.objects.filter(is_operator_own=True).count() == 2
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {"referent", "dpo", "contributor", "viewer"}
    assert OperatorAssignment.objects.filter(role="analyst", all_establishments=False).exists()
    # the catalog snapshot, imported by a job; a failed job that says why
    assert Cve.objects.count() > 150
    assert KevEntry.objects.count() > 50
    assert Advisory.objects.count() > 100
    assert JobRun.objects.filter(kind="threatwatch.import", status="succeeded").exists()
    assert "cle-usb" in JobRun.objects.get(status="failed").error
    report = JobRun.objects.get(kind="scanning.report")  # queued; run here as on commit
    assert report.status == "succeeded", report.error
    # weeks of scans, real CVE findings, a lifecycle
    scans = Scan.objects.order_by("started_at")
    assert scans.count() >= 15
    assert (scans.last().started_at - scans.first().started_at).days >= 40
    statuses = set(Finding.objects.values_list("status", flat=True))
    assert {"new", "fixed", "reopened", "accepted", "false_positive"} <= statuses
    assert FindingEvent.objects.filter(to_status="reopened").exists()
    # phishing: three closed campaigns with results, one draft
    assert Campaign.objects.filter(status="closed").count() == 3
    assert Campaign.objects.filter(status="draft").count() == 1
    assert Target.objects.filter(state="sent").count() >= 30
    assert PhishReport.objects.filter(kind="simulation").count() >= 5  # forwarded, read
    assert PhishReport.objects.filter(kind="suspicious").count() == 2  # to triage
    kinds = set(Interaction.objects.values_list("kind", flat=True))
    assert {"open", "click", "submit", "learn", "report"} <= kinds
    # declared inventories, matched against the snapshot like the scans
    assert DeclaredProduct.objects.values("establishment").distinct().count() == 3
    tomcat = DeclaredProduct.objects.get(name="Tomcat du portail patients")
    exposed = {item.object_id for item in declared_exposures(["CVE-2025-24813"])}
    assert tomcat.pk in exposed
    # threat watch: a KEV addition and a CERT-FR avis raised alerts, followed up; a bulletin
    assert EstablishmentAlert.objects.filter(event__kind="kev").exists()
    assert EstablishmentAlert.objects.filter(event__kind="certfr").exists()
    assert EstablishmentAlert.objects.filter(status="fixed").exists()
    assert Bulletin.objects.filter(data__kev=1).exists()
    # webhooks: delivered ones and one that failed
    states = list(WebhookDelivery.objects.values_list("state", flat=True))
    assert states.count("failed") == 1
    assert states.count("delivered") >= 5


def _pages_show_data() -> None:
    users = {user.email.split("@")[0]: user for user in User.objects.all()}
    for user in users.values():
        give_totp(user)  # Boulogne and operator staff require a second factor
    User.objects.update(must_change_password=False)  # the first administrator's own step
    missing = []
    for account, name, args, texts in PAGES:
        user = users[account]
        client = Client()
        client.force_login(user)
        response = client.get(reverse(name, args=args))
        page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
        if response.status_code != HTTPStatus.OK:
            missing.append((account, name, response.status_code))
        missing += [(account, name, text) for text in texts if not re.search(text, page)]
    assert not missing, "\n".join(map(str, missing))
    _funnel_shows(users["rssi.ght"])


def _funnel_shows(referent: User) -> None:
    """A closed campaign's page: its funnel, every stage reached by someone."""
    campaign = Campaign.objects.get(establishment__slug="ch-boulogne", status="closed")
    client = Client()
    client.force_login(referent)
    url = reverse("phishing:campaign_detail", args=["ch-boulogne", campaign.public_id])
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    stages = dict(re.findall(r'data-stage="(\w+)">(\d+)<', response.content.decode()))
    assert int(stages["sent"]) >= 20, stages
    for stage in ("opened", "clicked", "submitted", "reported", "trained"):
        assert int(stages[stage]) > 0, stages
