"""Personal links: hashed at rest, shown once, one live link per person and purpose,
expiring, revocable, and the same answer (and the same work) for every invalid token."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rempart.audit.models import AuditEntry
from rempart.core.crypto import token_hash
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.magiclinks import services
from rempart.magiclinks.models import MagicLink
from rempart.scanning.tests.factories import FindingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("rempart.magiclinks.tests.urls")]
PURPOSE = "tests.page"
WEEK = dt.timedelta(days=7)
NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def person(establishment_a: Any) -> Any:
    return FindingFactory(establishment=establishment_a)  # stands for a learner's record


def _issue(person: Any, actor: Any, **kwargs: Any) -> services.IssuedLink:
    values = {
        "email": "Aide.Soignante@CH-Alpha.example.org",
        "purpose": PURPOSE,
        "lifetime": WEEK,
        **kwargs,
    }
    return services.magiclink_issue(subject=person, actor=actor, **values)


def test_only_the_hash_is_stored(alice: Any, person: Any) -> None:
    issued = _issue(person, alice)
    assert issued.token.startswith("rml_")
    assert len(issued.token) > 40
    row = MagicLink.objects.filter(pk=issued.link.pk).values().get()
    assert row["token_hash"] == token_hash(issued.token)
    assert issued.token not in repr(row)
    assert row["email"] == "aide.soignante@ch-alpha.example.org"
    entry = AuditEntry.objects.get(verb="magiclinks.link.issued")
    assert issued.token not in repr(entry.changes)


def test_resolve_counts_uses_and_audits_the_first(alice: Any, person: Any) -> None:
    issued = _issue(person, alice)
    for _ in range(3):
        link = services.magiclink_resolve(issued.token, purpose=PURPOSE)
    assert link.pk == issued.link.pk
    issued.link.refresh_from_db()
    assert issued.link.use_count == 3
    assert AuditEntry.objects.filter(verb="magiclinks.link.first_used").count() == 1


def test_expired_revoked_replaced_unknown_and_other_purpose_are_refused(
    alice: Any, person: Any
) -> None:
    with time_machine.travel(NOW, tick=False):
        expired = _issue(person, alice, purpose="tests.other", lifetime=dt.timedelta(hours=1))
        first = _issue(person, alice)
        second = _issue(person, alice)  # replaces the first
        revoked = _issue(FindingFactory(establishment=person.establishment), alice)
        services.magiclink_revoke(link=revoked.link, actor=alice)
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        for token, purpose in (
            (expired.token, "tests.other"),
            (first.token, PURPOSE),
            (revoked.token, PURPOSE),
            ("rml_" + "A" * 43, PURPOSE),
            ("", PURPOSE),
            (second.token, "tests.other"),
        ):
            with pytest.raises(services.MagicLinkInvalidError):
                services.magiclink_resolve(token, purpose=purpose)
        assert services.magiclink_resolve(second.token, purpose=PURPOSE).pk == second.link.pk


def test_rules_of_issuing(alice: Any, bob: Any, person: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        _issue(person, bob)  # a viewer sends no links
    with pytest.raises(ApplicationError):
        _issue(person, alice, purpose="Pas un code")
    with pytest.raises(ApplicationError):
        _issue(person, alice, lifetime=dt.timedelta(days=400))
    assert _issue(person, None).link.created_by is None  # the platform may issue


def test_invalid_tokens_do_the_same_work(alice: Any, person: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        expired = _issue(person, alice, lifetime=dt.timedelta(hours=1)).token
        revoked = _issue(FindingFactory(establishment=person.establishment), alice)
        services.magiclink_revoke(link=revoked.link, actor=alice)
    queries = []
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        for token in (expired, revoked.token, "rml_unknown-token-of-the-same-length-xxxxxxxxxx"):
            with (
                CaptureQueriesContext(connection) as captured,
                pytest.raises(services.MagicLinkInvalidError),
            ):
                services.magiclink_resolve(token, purpose=PURPOSE)
            queries.append([q["sql"].split("WHERE")[0] for q in captured.captured_queries])
    assert queries[0] == queries[1] == queries[2]
    assert len(queries[0]) == 1


def _without_csrf(html: str) -> str:
    """The page's main content (the layout holds the CSRF token and the page's own address)."""
    match = re.search(r"<main.*</main>", html, re.S)
    assert match
    return match.group(0)


def test_view_helper_answers_in_french_and_privately(
    client: Client, alice: Any, person: Any
) -> None:
    with time_machine.travel(NOW, tick=False):
        issued = _issue(person, alice)
        ok = client.get(f"/m/test/{issued.token}/")
        assert ok.status_code == 200
        assert f"Bonjour aide.soignante@ch-alpha.example.org — {person}" in ok.content.decode()
        assert ok["Referrer-Policy"] == "no-referrer"
        assert "no-store" in ok["Cache-Control"]
        services.magiclink_revoke(link=issued.link, actor=alice)
        revoked = client.get(f"/m/test/{issued.token}/")
        unknown = client.get("/m/test/rml_inconnu/")
    assert revoked.status_code == unknown.status_code == 404
    body = _without_csrf(revoked.content.decode())
    assert "Ce lien n'est plus valable" in body
    assert body == _without_csrf(unknown.content.decode())
    assert "no-store" in unknown["Cache-Control"]
