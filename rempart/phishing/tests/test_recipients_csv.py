"""Recipient CSV import: the directory exports people really have, line-by-line problems,
only verified domains, nothing half-written."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone, translation

from rempart.audit.models import AuditEntry
from rempart.phishing.models import Recipient, RecipientGroup, SendingDomain
from rempart.phishing.settings.recipients import (
    RecipientCsvError,
    recipients_csv_import,
    recipients_csv_preview,
)
from rempart.phishing.settings.services import domain_verify

pytestmark = pytest.mark.django_db

# Excel (French) "CSV (séparateur : point-virgule)": Windows-1252, `;`, CRLF.
EXCEL_FR = (
    "Nom;Prénom;Courriel;Service;Fonction\r\n"
    "Durand;Léa;lea.durand@ch-alpha.fr;Urgences;Infirmière\r\n"
    "Martin;Hugo;hugo.martin@ch-alpha;Pharmacie;Préparateur\r\n"
    "Petit;Inès;ines.petit@gmail.com;Direction;Assistante\r\n"
    ";;;;\r\n"
    "Durand;Léa;LEA.DURAND@CH-ALPHA.FR;Urgences;Infirmière\r\n"
    "Moreau;Paul;paul.moreau@ch-alpha.fr;Laboratoire;Biologiste\r\n"
).encode("cp1252")


@pytest.fixture
def group(establishment_a: Any, operator_admin: Any) -> RecipientGroup:
    domain = SendingDomain.objects.create(establishment=establishment_a, domain="ch-alpha.fr")
    domain_verify(domain=domain, actor=operator_admin)
    SendingDomain.objects.create(establishment=establishment_a, domain="ch-alpha.org")  # unverified
    return RecipientGroup.objects.create(establishment=establishment_a, name="Soignants")


def test_french_excel_file_preview_names_each_bad_line(group: RecipientGroup) -> None:
    preview = recipients_csv_preview(group=group, data=EXCEL_FR)
    assert preview.columns == {
        "last_name": "Nom",
        "first_name": "Prénom",
        "email": "Courriel",
        "department": "Service",
        "job_family": "Fonction",
    }
    assert [(line.line, line.email, line.first_name) for line in preview.lines] == [
        (2, "lea.durand@ch-alpha.fr", "Léa"),
        (7, "paul.moreau@ch-alpha.fr", "Paul"),
    ]
    problems = {p.line: p.message for p in preview.problems}
    assert set(problems) == {3, 4, 6}
    assert "hugo.martin@ch-alpha" in problems[3]
    assert "gmail.com" in problems[4]
    assert "n'est pas un domaine vérifié" in problems[4]  # French, the interface's default
    assert problems[6] == "Même adresse qu'à la ligne 2."
    with translation.override("en"):
        english = recipients_csv_preview(group=group, data=EXCEL_FR).problems
    assert "is not a verified domain" in english[1].message
    assert (preview.new, preview.updated, preview.unchanged) == (2, 0, 0)
    assert not Recipient.objects.exists()  # a preview writes nothing


def test_import_writes_the_good_lines_and_updates_on_reimport(
    group: RecipientGroup, operator_admin: Any
) -> None:
    recipients_csv_import(group=group, data=EXCEL_FR, actor=operator_admin)
    assert sorted(Recipient.objects.values_list("email", "department")) == [
        ("lea.durand@ch-alpha.fr", "Urgences"),
        ("paul.moreau@ch-alpha.fr", "Laboratoire"),
    ]
    entry = AuditEntry.objects.filter(verb="phishing.recipients.imported").get()
    assert entry.changes["created"] == 2
    assert entry.changes["refused_lines"] == [3, 4, 6]
    assert "lea.durand" not in str(entry.changes)  # no personal data in the audit trail
    # an HR export: UTF-8 with BOM, commas, English headers, one person moved to another service
    hr = (
        "\ufeffemail,first_name,last_name,department,job_family\n"
        "lea.durand@ch-alpha.fr,Léa,Durand,Réanimation,Infirmière\n"
        "paul.moreau@ch-alpha.fr,Paul,Moreau,Laboratoire,Biologiste\n"
        "nora.said@ch-alpha.fr,Nora,Saïd,Radiologie,Manipulatrice\n"
    ).encode()
    preview = recipients_csv_import(group=group, data=hr, actor=operator_admin)
    assert (preview.new, preview.updated, preview.unchanged) == (1, 1, 1)
    assert Recipient.objects.get(email="lea.durand@ch-alpha.fr").department == "Réanimation"
    assert Recipient.objects.count() == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Le fichier est vide"),
        (b"nom;prenom;service\nDurand;Lea;Urgences\n", "Aucune colonne d'adresse e-mail"),
        ("courriel\nlea@ch-alpha.fr\n".encode("utf-16"), "pas un fichier texte CSV"),
        (b'courriel,nom\n"lea@ch-alpha.fr,Durand\n', "La ligne 2 est illisible"),
    ],
)
def test_unreadable_files_are_refused_whole_and_nothing_changes(
    group: RecipientGroup, operator_admin: Any, data: bytes, message: str
) -> None:
    Recipient.objects.create(
        establishment=group.establishment, group=group, email="kept@ch-alpha.fr"
    )
    with pytest.raises(RecipientCsvError, match=message):
        recipients_csv_import(group=group, data=data, actor=operator_admin)
    assert list(Recipient.objects.values_list("email", flat=True)) == ["kept@ch-alpha.fr"]
    assert not AuditEntry.objects.filter(verb="phishing.recipients.imported").exists()


def test_another_establishments_verified_domain_does_not_count(
    group: RecipientGroup, establishment_b: Any
) -> None:
    SendingDomain.objects.create(
        establishment=establishment_b, domain="ch-beta.fr", verified_at=timezone.now()
    )
    data = b"courriel\nanne@ch-beta.fr\nlea.durand@ch-alpha.fr\nx@ch-alpha.org\n"
    preview = recipients_csv_preview(group=group, data=data)
    assert [line.email for line in preview.lines] == ["lea.durand@ch-alpha.fr"]
    assert [p.line for p in preview.problems] == [2, 4]  # B's domain; A's unverified one


def _mixed(cp1252_lines: set[int]) -> bytes:
    """A UTF-8 directory whose lines `cp1252_lines` (1-based) were pasted from an Excel file."""
    lines = [
        "Prénom;Nom;Courriel;Service",
        "Léa;Dupré;lea.dupre@ch-alpha.fr;Urgences",
        "Hélène;Lefèvre;helene.lefevre@ch-alpha.fr;Pharmacie",
        "Noël;Bérénice;noel.berenice@ch-alpha.fr;Réanimation",
        "Zoé;Gaël;zoe.gael@ch-alpha.fr;Cardiologie",
    ]
    encoded = [
        line.encode("cp1252" if number in cp1252_lines else "utf-8")
        for number, line in enumerate(lines, start=1)
    ]
    return b"\r\n".join(encoded) + b"\r\n"


@pytest.mark.parametrize(
    ("cp1252_lines", "message"),
    [
        ({3}, "la ligne 3 n'est pas en UTF-8"),
        ({3, 5}, "les lignes 3, 5 ne sont pas en UTF-8"),
        ({1}, "la ligne 1 n'est pas en UTF-8"),
    ],
)
def test_a_utf8_file_with_windows_1252_lines_is_refused_with_their_numbers(
    group: RecipientGroup, operator_admin: Any, cp1252_lines: set[int], message: str
) -> None:
    # given: UTF-8 lines and one or two Windows-1252 lines
    data = _mixed(cp1252_lines)
    # when / then: refused whole, naming the lines; nothing written, nothing audited
    with pytest.raises(RecipientCsvError, match=message):
        recipients_csv_preview(group=group, data=data)
    with pytest.raises(RecipientCsvError, match=message):
        recipients_csv_import(group=group, data=data, actor=operator_admin)
    assert not Recipient.objects.exists()
    assert not AuditEntry.objects.filter(verb="phishing.recipients.imported").exists()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_a_file_in_one_encoding_keeps_its_accents(group: RecipientGroup, encoding: str) -> None:
    data = _mixed(set()).decode().encode(encoding)
    preview = recipients_csv_preview(group=group, data=data)
    assert preview.columns["first_name"] == "Prénom"
    assert [(line.first_name, line.last_name) for line in preview.lines] == [
        ("Léa", "Dupré"),
        ("Hélène", "Lefèvre"),
        ("Noël", "Bérénice"),
        ("Zoé", "Gaël"),
    ]
