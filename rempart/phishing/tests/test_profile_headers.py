"""Custom headers of a sending profile: entered as name/value rows, checked (names, values
on one line, no header Rempart or the mail servers write), stored as names to values, sent
with every message."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from rempart.audit.models import AuditEntry
from rempart.phishing.models import SendingProfile
from rempart.phishing.sending.smtp import encoded_headers
from rempart.phishing.settings.services import profile_save
from rempart.phishing.tests import engine
from rempart.phishing.tests.factories import SendingProfileFactory

pytestmark = pytest.mark.django_db
BASE = "/e/ch-alpha/phishing/profiles/"
PROFILE = {
    "name": "Relais interne",
    "host": "smtp.ch-alpha.fr",
    "port": 587,
    "security": "starttls",
    "from_address": "dsi@ch-alpha.fr",
    "rate_per_second": 5,
    "rate_per_hour": 1000,
    "connections": 2,
}


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _client(user: Any) -> Client:
    return engine.signed_in(user, "en")


def _rows(*rows: tuple[str, str], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {"headers-TOTAL_FORMS": len(rows), "headers-INITIAL_FORMS": initial}
    for index, (name, value) in enumerate(rows):
        data[f"headers-{index}-name"], data[f"headers-{index}-value"] = name, value
    return data


def test_headers_are_entered_as_rows_and_stored_as_names_to_values(
    establishment_a: Any, alice: Any
) -> None:
    # given
    client = _client(alice)
    page = client.get(f"{BASE}new/").content.decode()
    assert 'name="headers-0-name"' in page  # rows, not a JSON text area
    assert "headers-TOTAL_FORMS" in page
    # when: two headers and an empty row
    rows = _rows(("X-Simulation-Phishing", "rempart"), ("", ""), ("X-MS-Exchange-Org", "ok"))
    response = client.post(f"{BASE}new/", {**PROFILE, **rows})
    # then
    assert response.status_code == 302
    profile = SendingProfile.objects.get(establishment=establishment_a)
    assert profile.headers == {"X-Simulation-Phishing": "rempart", "X-MS-Exchange-Org": "ok"}
    lines = encoded_headers(profile).split("\r\n")  # PostgreSQL's jsonb keeps no key order
    assert sorted(lines) == ["", "X-MS-Exchange-Org: ok", "X-Simulation-Phishing: rempart"]
    # the edit page shows them as rows, with empty rows to add more
    edit = client.get(f"{BASE}{profile.public_id}/edit/").content.decode()
    assert 'value="X-Simulation-Phishing"' in edit
    assert 'name="headers-4-name"' in edit
    entry = AuditEntry.objects.get(verb="phishing.sendingprofile.created")
    assert "headers" in entry.changes["fields"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ((("From", "boss@ch-alpha.fr"),), "“From” is written by Rempart itself"),
        ((("content-type", "text/html"),), "“content-type” is written by Rempart itself"),
        ((("X-Rempart-Simulation", "x"),), "“X-Rempart-Simulation” is written by Rempart"),
        ((("Received", "from nowhere"),), "“Received” is added by the mail servers"),
        ((("ARC-Seal", "i=1"),), "“ARC-Seal” is added by the mail servers"),
        ((("X Simulation", "1"),), "“X Simulation” is not a header name"),
        ((("X-Note:", "1"),), "“X-Note:” is not a header name"),
        ((("X-Note", "a\r\nBcc: everyone@ch-alpha.fr"),), "without line breaks"),
        ((("X-Note", ""),), "Give the header's value."),
        ((("", "orphan value"),), "Give the header's name."),
        ((("X-Note", "1"), ("x-note", "2")), "The header “x-note” is given twice."),
    ],
)
def test_bad_headers_are_refused_with_the_reason_and_nothing_is_saved(
    establishment_a: Any, alice: Any, rows: tuple[tuple[str, str], ...], message: str
) -> None:
    response = _client(alice).post(f"{BASE}new/", {**PROFILE, **_rows(*rows)})
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert not SendingProfile.objects.exists()


def test_the_service_refuses_bad_headers_whatever_the_caller(
    establishment_a: Any, alice: Any
) -> None:
    profile = SendingProfileFactory.build(
        establishment=establishment_a, headers={"Bcc": "everyone@ch-alpha.fr"}
    )
    with pytest.raises(ValidationError, match="“Bcc” is written by Rempart itself"):
        profile_save(instance=profile, actor=alice)
    assert not SendingProfile.objects.exists()


def test_a_bad_header_stored_before_the_rules_is_not_sent(establishment_a: Any) -> None:
    profile = SendingProfileFactory(establishment=establishment_a)
    SendingProfile.objects.filter(pk=profile.pk).update(
        headers={"X-Ok": "1", "X-Evil": "a\r\nBcc: x@example.org", "Subject": "Autre"}
    )
    profile.refresh_from_db()
    assert encoded_headers(profile) == "X-Ok: 1\r\n"
