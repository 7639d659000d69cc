"""The engine's message codes in French: every code has a translated text, findings show
their coded evidence and titles in French, scan progress and failures are French."""

from __future__ import annotations

import html as html_lib
import io
import re
import socket
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import trans_real
from rest_framework.test import APIClient

from rempart.accounts.services import api_token_create
from rempart.engine import evidence as engine_evidence
from rempart.engine import problems as engine_problems
from rempart.engine.checks import load_all
from rempart.scanning.check_texts import CHECKS, finding_title
from rempart.scanning.evidence import EVIDENCE, TERMS
from rempart.scanning.models import Scan
from rempart.scanning.problems import PROGRESS, TEXTS, render
from rempart.scanning.services.report_pdf import report_html
from rempart.scanning.tests.factories import AuthorisationFactory, FindingFactory, ScopeFactory

PARAM = re.compile(r"%\((\w+)\)s")
PLATFORM = {**TEXTS, **PROGRESS, **EVIDENCE}


def _msgid(text: Promise) -> str:
    kw = getattr(text, "_kw", {})
    return str(kw["singular"]) if "singular" in kw else str(text._args[0])  # type: ignore[attr-defined]


def _translated(text: Promise) -> bool:
    """The compiled French catalogue holds a translation of the text's msgid."""
    catalog = trans_real.translation("fr")._catalog  # type: ignore[attr-defined]
    msgid = _msgid(text)
    if "plural" in getattr(text, "_kw", {}):
        return bool(catalog.get((msgid, 0))) and bool(catalog.get((msgid, 1)))
    context = text._args[0] if len(text._args) == 2 else None  # type: ignore[attr-defined]
    key = f"{context}\x04{text._args[1]}" if context else msgid  # type: ignore[attr-defined]
    return bool(catalog.get(key))


def _engine_codes() -> dict[str, str]:
    return {code: text for table in engine_problems.TABLES for code, text in table.items()}


def test_every_engine_code_has_a_french_text() -> None:
    # given every code of the engine's ENGLISH tables (problems, progress, evidence)
    codes = _engine_codes()
    # then the platform has a text for each, translated in the French catalogue, with the
    # engine's parameters only
    assert set(codes) - set(PLATFORM) == set()
    assert [code for code in codes if not _translated(PLATFORM[code])] == []
    for code, english in codes.items():
        assert set(PARAM.findall(_msgid(PLATFORM[code]))) <= set(PARAM.findall(english)), code


def test_every_code_renders_in_french() -> None:
    for code, english in _engine_codes().items():
        params: dict[str, str | int] = dict.fromkeys(PARAM.findall(english), "x")
        params |= {"count": 2} if "count" in params else {}
        with translation.override("en"):
            in_english = render(code, params)
        with translation.override("fr"):
            in_french = render(code, params)
        assert in_french != in_english or in_english == "x", code  # not the English fallback


def test_every_term_is_translated() -> None:
    assert set(engine_evidence.TERMS) == set(TERMS)
    assert [term for term, text in TERMS.items() if not _translated(text)] == []


def test_every_check_has_translated_texts_equal_to_the_engine_english() -> None:
    checks = load_all()
    assert set(checks) == set(CHECKS)
    for check_id, check in checks.items():
        texts = CHECKS[check_id]
        assert _msgid(texts.title) == check.title, check_id
        assert _msgid(texts.description) == check.description, check_id
        assert _msgid(texts.remediation) == check.remediation, check_id
        assert (_msgid(texts.title_with) if texts.title_with else "") == check.title_template
        for text in (texts.title, texts.description, texts.remediation):
            assert _translated(text), (check_id, _msgid(text))


def test_plurals_are_real() -> None:
    with translation.override("fr"):
        assert render("progress.hosts_live", {"count": 1}) == "1 hôte actif"
        assert render("progress.hosts_live", {"count": 3}) == "3 hôtes actifs"
        assert "(1 entrée)" in render(
            "smb.share_readable", {"session_term": "guest account", "share": "C$", "count": 1}
        )


def test_unknown_code_falls_back_to_the_engine_english() -> None:
    with translation.override("fr"):
        assert render("no.such.code", {"a": 1}) == "no.such.code"
        # parameters that fit no text: the code, never a traceback
        assert render("db.empty_password", {"account": "root"}) == "db.empty_password"


CODED = [
    {"code": "db.empty_password", "params": {"account": "root", "detail": "MySQL 8.0.36"}},
]


@pytest.mark.django_db
def test_a_finding_page_shows_coded_evidence_and_title_in_french(
    alice: Any, establishment_a: Any
) -> None:
    # given a finding written by the engine with codes, and one written before codes existed
    coded = FindingFactory(
        establishment=establishment_a,
        check_id="mysql.empty-password",
        title="MySQL account with an empty password",
        title_fr="(engine French)",
        evidence="Account 'root' logged in with an empty password: MySQL 8.0.36",
        evidence_messages=CODED,
        confidence="firm",
    )
    tls = FindingFactory(
        establishment=establishment_a,
        check_id="tls.legacy-protocol",
        title_params={"protocol": "TLSv1.0"},
        evidence="TLSv1.0 handshake accepted with 1 cipher suites: X",
        evidence_messages=[
            {
                "code": "tls.protocol_suites",
                "params": {"protocol": "TLSv1.0", "count": 1, "suites": "X"},
            }
        ],
    )
    old = FindingFactory(establishment=establishment_a, evidence="Texte enregistré tel quel")
    client = Client()
    client.force_login(alice)
    # when the pages are read in French
    page = client.get(f"/e/ch-alpha/findings/{coded.public_id}/").content.decode()
    tls_page = client.get(f"/e/ch-alpha/findings/{tls.public_id}/").content.decode()
    old_page = client.get(f"/e/ch-alpha/findings/{old.public_id}/").content.decode()
    # then the evidence, the title, the description and the confidence are French
    assert "Le compte « root » s&#x27;est connecté avec un mot de passe vide" in page
    assert "logged in with an empty password" not in page
    assert "Protocole obsolète TLSv1.0 accepté" in tls_page
    assert "avec 1 suite de chiffrement : X" in tls_page  # a real singular
    assert "Texte enregistré tel quel" in old_page
    # and the API gives the codes, the parameters and the rendered text
    api = APIClient()
    token = api_token_create(user=alice, name="t", scopes=["scanning:read"]).secret
    api.credentials(HTTP_AUTHORIZATION="Bearer " + token)
    body = api.get(f"/api/v1/findings/{coded.public_id}/").json()
    assert body["evidence_messages"] == CODED
    assert body["evidence"].startswith("Account 'root'")  # the engine's English, kept
    assert body["evidence_text"].startswith("Le compte « root »")
    assert body["display_title"] == "Compte MySQL/MariaDB sans mot de passe"


@pytest.mark.django_db
def test_a_scan_shows_its_progress_in_french(
    alice: Any, establishment_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a real scan (nmap, the engine, the job) of a loopback address with an open port
    with socket.create_server(("127.0.0.7", 0)) as listener:
        port = listener.getsockname()[1]
        scope = ScopeFactory(
            establishment=establishment_a, targets="127.0.0.7", tcp_ports=str(port), udp_ports=""
        )
        AuthorisationFactory(establishment=establishment_a, scope=scope)
        client = Client()
        client.force_login(alice)
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/e/ch-alpha/scans/launch/", {"scope": scope.pk, "policy": "discovery"})
    scan = Scan.objects.get()
    assert scan.job is not None
    # then the job's steps and log are French, with real plurals
    log = scan.job.log
    assert "127.0.0.7 analysé" in log
    assert "1 hôte ;" in log
    assert "Scan terminé" in scan.job.message or scan.job.message == ""
    assert "live hosts" not in log + scan.job.message
    assert "host done" not in log
    job_page = client.get(f"/jobs/{scan.job.public_id}/").content.decode()
    assert "127.0.0.7 analysé" in job_page


@pytest.mark.django_db
def test_a_failed_scan_says_why_in_french(
    alice: Any,
    establishment_a: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a worker without nmap
    monkeypatch.setenv("REMPART_NMAP", "/nonexistent/nmap")
    scope = ScopeFactory(
        establishment=establishment_a, targets="127.0.0.7", tcp_ports="1", udp_ports=""
    )
    AuthorisationFactory(establishment=establishment_a, scope=scope)
    client = Client()
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/e/ch-alpha/scans/launch/", {"scope": scope.pk, "policy": "discovery"})
    scan = Scan.objects.get()
    # then the scan and its job say it in French
    assert scan.status == "failed"
    assert "nmap n'est pas installé" in scan.error
    page = client.get(f"/e/ch-alpha/scans/{scan.public_id}/").content.decode()
    assert "nmap n&#x27;est pas installé" in page


@pytest.mark.django_db
def test_report_and_exports_show_coded_evidence_in_french(alice: Any, establishment_a: Any) -> None:
    # given an open finding with coded evidence
    FindingFactory(
        establishment=establishment_a,
        check_id="mysql.empty-password",
        evidence="Account 'root' logged in with an empty password: MySQL 8.0.36",
        evidence_messages=CODED,
    )
    french = "Le compte « root » s'est connecté avec un mot de passe vide : MySQL 8.0.36"
    # when the PDF report and the exports are produced
    html = report_html(establishment=establishment_a, weeks=4)
    client = Client()
    client.force_login(alice)
    csv_text = b"".join(client.get("/e/ch-alpha/reports/findings.csv").streaming_content).decode(
        "utf-8-sig"
    )
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get("/e/ch-alpha/reports/findings.xlsx").content)
    ).active
    cells = [str(cell.value) for row in sheet.iter_rows() for cell in row]
    # then each shows the French evidence and the check's French title
    assert html_lib.unescape(html).count(french) == 1
    assert "Compte MySQL/MariaDB sans mot de passe" in html_lib.unescape(html)
    assert french in csv_text
    assert "Preuve" in csv_text.splitlines()[0]
    assert french in cells
    assert "Compte MySQL/MariaDB sans mot de passe" in cells


def test_titles_without_parameters_keep_their_stored_text() -> None:
    with translation.override("fr"):
        # a plain check: its translated title, whatever was stored
        assert finding_title("redis.no-auth", {}, fallback="x") == str(
            CHECKS["redis.no-auth"].title
        )
        # a named title stored before parameters existed, an unknown check: the stored text
        assert finding_title("tls.legacy-protocol", {}, fallback="Ancien") == "Ancien"
        assert finding_title("cve", {}, fallback="CVE-2024-1 dans nginx") == "CVE-2024-1 dans nginx"
        assert (
            finding_title("tls.legacy-protocol", {"protocol": "SSLv3"}, fallback="?")
            == "Protocole obsolète SSLv3 accepté"
        )
        assert finding_title("ssh.weak-algorithms", {"kind_term": "host key"}, fallback="?") == (
            "Algorithmes SSH faibles proposés (clé d'hôte)"
        )
