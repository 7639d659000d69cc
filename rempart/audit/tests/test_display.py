"""Audit entries in words: each verb as a French sentence (never the code), changes as
"field: value" lines (never a Python repr), finding titles translated at display; the API
and the CSV keep the codes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from rempart.audit.display import changes_lines, present
from rempart.audit.jobs import verify_result_text
from rempart.audit.services import audit_record
from rempart.audit.verbs import VERB_LABELS, verb_label
from rempart.scanning.tests.factories import FindingFactory
from rempart.tenancy.tests.factories import SiteFactory

ROOT = Path(__file__).resolve().parents[2]
# A verb written by the platform's code: "<app>.<object>.<event>" string literals.
VERB = re.compile(
    r"\"((?:accounts|admin|audit|jobs|ops|phishing|scanning|tenancy|webhooks|threatwatch)"
    r"\.[a-z_]+\.[a-z_]+)\""
)
REPR = re.compile(r"[{}\[\]]|'[^']*':|\bNone\b|\bTrue\b|\bFalse\b")


def _code_verbs() -> set[str]:
    verbs: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if "/tests/" not in str(path) and "/migrations/" not in str(path):
            verbs |= set(VERB.findall(path.read_text(encoding="utf-8")))
    return verbs - {"phishing.target.reported", "phishing.target.submitted"}  # webhook events


def test_every_verb_of_the_code_is_a_french_sentence() -> None:
    verbs = _code_verbs()
    assert len(verbs) > 50
    for verb in sorted(verbs):
        with translation.override("fr"):
            french = verb_label(verb)
        with translation.override("en"):
            english = verb_label(verb)
        assert "." not in french, verb
        assert verb.rsplit(".", 1)[-1] not in french, verb
        assert french != english or verb not in VERB_LABELS, (verb, french)


@pytest.mark.parametrize(
    ("verb", "object_type", "label"),
    [
        ("accounts.password.changed", "", "Mot de passe modifié"),
        ("tenancy.site.deleted", "tenancy.site", "Suppression\xa0: site"),
        ("scanning.scanwindow.updated", "scanning.scanwindow", "Modification\xa0: plage horaire"),
        ("tenancy.site.archived", "tenancy.site", "Autre action\xa0: site"),
        ("made.up.verb", "", "Autre action"),
        ("made.up.created", "no.model", "Création"),
    ],
)
def test_verb_labels_and_their_fallback(verb: str, object_type: str, label: str) -> None:
    with translation.override("fr"):
        assert verb_label(verb, object_type).startswith(label)


@pytest.mark.django_db
def test_changes_are_readable_lines() -> None:
    with translation.override("fr"):
        site_diff = changes_lines(
            {"name": ["Ancien", "Nouveau"], "city": ["", "Lyon"]},
            verb="tenancy.site.updated",
            object_type="tenancy.site",
        )
        establishment = changes_lines(
            {"is_active": [True, False]},
            verb="tenancy.establishment.updated",
            object_type="tenancy.establishment",
        )
        contact = changes_lines(
            {"role": ["ciso", "dpo"]}, verb="tenancy.contact.updated", object_type="tenancy.contact"
        )
        finding = changes_lines(
            {"status": ["new", "accepted"], "reason": "Compensé", "until": "2027-01-31"},
            verb="scanning.finding.risk_accepted",
            object_type="scanning.finding",
        )
        export = changes_lines(
            {"filters": {"severity": ["critical"]}, "rows": 1200, "format": "csv"},
            verb="scanning.findings.exported",
        )
        fields = changes_lines(
            {"name": "Relance", "fields": ["subject", "html"]},
            verb="phishing.emailtemplate.updated",
            object_type="phishing.emailtemplate",
        )
    lines = {change.label: change.text for change in site_diff}
    assert lines == {"nom": "Ancien → Nouveau", "ville": "— → Lyon"}
    assert [(c.label, c.text) for c in establishment] == [("actif", "oui → non")]
    assert [(c.label, c.text) for c in contact] == [("rôle", "RSSI → DPO")]
    lines = {change.label: change.text for change in finding}
    assert lines["statut"] == "Nouvelle → Risque accepté"
    assert lines["jusqu'au"] == "31/01/2027"
    lines = {change.label: change.text for change in export}
    assert lines == {"filtres": "Criticité\xa0: Critique", "lignes": "1200", "format": "csv"}
    lines = {change.label: change.text for change in fields}
    assert lines == {"nom": "Relance", "champs modifiés": "objet, corps HTML"}
    for change in [*site_diff, *establishment, *contact, *finding, *export, *fields]:
        assert not REPR.search(change.text), change


@pytest.fixture
def log(personas: dict[str, Any], establishment_a: Any) -> dict[str, Any]:
    alice = personas["alice"]
    finding = FindingFactory(
        establishment=establishment_a,
        title="Redis reachable without authentication",
        title_fr="Redis accessible sans authentification",
    )
    audit_record(
        actor=alice, verb="accounts.password.changed", target=alice, establishment=establishment_a
    )
    audit_record(
        actor=alice,
        verb="scanning.finding.risk_accepted",
        target=finding,
        changes={"status": ["new", "accepted"], "reason": "Réseau isolé", "until": "2027-01-31"},
    )
    site = SiteFactory(establishment=establishment_a, name="Site Nord")
    audit_record(actor=alice, verb="tenancy.site.deleted", target=site, changes={"name": "N"})
    audit_record(actor=None, actor_label="cli", verb="ops.backup.created", changes={"file": "b"})
    return {"finding": finding}


PAGES = [
    ("alice", "/e/ch-alpha/audit/"),
    ("operator_admin", "/operator/audit/"),
    ("alice", "/e/ch-alpha/"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "url"), PAGES)
def test_pages_show_sentences_not_codes(
    personas: dict[str, Any], log: dict[str, Any], persona: str, url: str
) -> None:
    client = Client()
    client.force_login(personas[persona])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    html = page.content.decode()
    visible = re.sub(r"<[^>]+>", " ", html)
    assert "Mot de passe modifié" in visible
    assert "Risque accepté" in visible
    assert "Redis accessible sans authentification" in visible
    assert "Redis reachable" not in visible
    assert "accounts.password.changed" not in visible
    assert "scanning.finding.risk_accepted" not in visible
    assert "{&#x27;" not in html
    assert "{'" not in visible
    if "audit" in url:
        assert "Suppression\xa0: site" in visible
        assert "Nouvelle → Risque accepté" in visible
        assert "Horodatage" in visible


@pytest.mark.django_db
def test_the_api_keeps_the_codes(personas: dict[str, Any], log: dict[str, Any]) -> None:
    client = Client()
    client.force_login(personas["operator_admin"])
    body = client.get("/api/v1/audit-entries/").json()
    results = body["results"] if isinstance(body, dict) else body
    verbs = {entry["verb"] for entry in results}
    assert {"accounts.password.changed", "scanning.finding.risk_accepted"} <= verbs
    accepted = next(e for e in results if e["verb"] == "scanning.finding.risk_accepted")
    assert accepted["changes"]["status"] == ["new", "accepted"]
    assert accepted["object_repr"].startswith("Redis reachable without authentication")


@pytest.mark.django_db
def test_system_actors_in_words(log: dict[str, Any]) -> None:
    from rempart.audit.models import AuditEntry

    with translation.override("fr"):
        rows = present(AuditEntry.objects.filter(verb="ops.backup.created"))
    assert [row.actor for row in rows] == ["Ligne de commande"]
    assert [row.changes[0].label for row in rows] == ["fichier"]


def test_verification_results_in_words() -> None:
    with translation.override("fr"):
        assert verify_result_text({"ok": True, "checked": 1}) == (
            "Chaîne d'audit intacte\xa0: 1 entrée vérifiée."
        )
        assert verify_result_text({"ok": True, "checked": 12}).endswith("12 entrées vérifiées.")
        broken = verify_result_text(
            {"ok": False, "checked": 2, "broken_at": 3, "problem": "content", "detail": ""}
        )
        old = verify_result_text({"ok": False, "checked": 2, "broken_at": 3, "reason": "x"})
    assert broken == (
        "Chaîne d'audit rompue à l'entrée n°\xa03\xa0: "
        "le contenu ne correspond pas à son empreinte."
    )
    assert old == "Chaîne d'audit rompue à l'entrée n°\xa03."
