"""A synchronisation that fails says so: offline, it fails at once (no retries) as a failed
job with each source's reason in French; partly failed, it says which sources are up to
date; the catalog status page shows each source's outcome and its own errors, once."""

from __future__ import annotations

import html
import socket
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from rempart.accounts.tests.factories import UserFactory
from rempart.jobs.runner import job_run_inline
from rempart.threatwatch.models import EpssScore, SourceStatus
from rempart.threatwatch.sync import HttpClient, catalog_sync, sync_settings
from rempart.threatwatch.templatetags.threatwatch import intel_problem
from rempart.threatwatch.tests.replay import NVD_PATH, ReplayServer, Sleeps
from tests.french_text import problems

pytestmark = pytest.mark.django_db
ENTITIES = b"""<?xml version='1.0' encoding='UTF-8'?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<rss version="2.0"><channel><title>CERT-FR &b;</title></channel></rss>
"""


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on: what an offline platform meets, in a test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, closed_port: int) -> None:
    base = f"http://127.0.0.1:{closed_port}"
    for name, value in {
        "NVD_URL": base + NVD_PATH,
        "KEV_URL": base + "/kev.json",
        "EPSS_URL": base + "/epss.csv.gz",
        "CERTFR_FEEDS": base + "/feed/",
        "NVD_DELAY": "0",
        "HTTP_RETRIES": "5",
        "HTTP_BACKOFF": "2",
    }.items():
        monkeypatch.setenv(f"REMPART_INTEL_{name}", value)


def test_an_offline_sync_fails_at_once_with_each_reason_in_french(offline: None) -> None:
    # given: no source can be reached; retries and a 2 s backoff are configured
    sleeps = Sleeps()
    client = HttpClient(sync_settings(), sleep=sleeps)
    # when
    result = catalog_sync(client=client)
    # then: one attempt per source, no wait, every source failed
    assert client.requests == 4
    assert sleeps == []
    assert result["failed"] == ["nvd", "kev", "epss", "certfr"]
    for source in result["failed"]:
        status = SourceStatus.objects.get(source=source)
        assert status.last_outcome == "failed"
        assert status.last_success_at is None
        assert status.last_error_count == 1
        assert [e["code"] for e in status.last_errors] == ["unreachable"]
        assert status.last_errors[0]["params"]["cause"] == "refused"


def test_an_offline_sync_job_is_failed_not_succeeded(offline: None) -> None:
    # when: the job the "Synchronise now" button queues
    with translation.override("fr"):
        run = job_run_inline(kind="threatwatch.sync", title="sync", params={})
    # then
    assert run.status == "failed"
    assert run.error.startswith("La synchronisation des 4 sources a échoué")
    assert "NVD — http://127.0.0.1:" in run.error
    assert "connexion impossible (connexion refusée)" in run.error
    assert "URLError" not in run.error
    assert run.percent < 100
    assert "NVD\u00a0: 0 modification, 1 erreur (échec)" in run.log


def test_the_page_of_an_offline_sync_job_shows_a_failure_in_french(offline: None) -> None:
    # given: the "Synchronise now" job of an administrator, run with every source offline
    admin = UserFactory()
    with translation.override("fr"):
        run = job_run_inline(kind="threatwatch.sync", title="sync", actor=admin, params={})
    client = Client()
    client.force_login(admin)
    # when
    page = client.get(f"/jobs/{run.public_id}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    # then: failed, not succeeded, with the French reason, no Python repr, no exception name
    assert 'data-status="failed">Échouée<' in page
    assert "Réussie" not in page
    assert "La synchronisation des 4 sources a échoué" in html.unescape(page)
    assert "connexion impossible (connexion refusée)" in html.unescape(page)
    assert "100 %" not in page
    found = problems(page)
    assert "repr" not in found, found
    assert "english" not in found, found


def test_a_partly_failed_sync_says_which_sources_are_up_to_date(server: ReplayServer) -> None:
    # given: the KEV catalog is gone from its address
    server.routes.pop("/kev.json")
    # when
    with translation.override("fr"):
        run = job_run_inline(
            kind="threatwatch.sync", title="sync", params={"sources": ["kev", "epss"]}
        )
    # then
    assert run.status == "failed"
    assert "La synchronisation est incomplète\u00a0: 1 source sur 2 a échoué" in run.error
    assert "CISA KEV — http://127.0.0.1:" in run.error
    assert "le serveur a répondu HTTP 404" in run.error
    assert "À jour\u00a0: FIRST EPSS." in run.error
    assert EpssScore.objects.count() == 5
    assert SourceStatus.objects.get(source="epss").last_outcome == "succeeded"


def test_a_feed_with_entity_declarations_is_refused_as_such(server: ReplayServer) -> None:
    # given: a CERT-FR feed declaring entities (an entity expansion)
    server.routes["/feed/"] = lambda _: (200, {}, ENTITIES)
    # when
    result = catalog_sync(sources=["certfr"], client=HttpClient(sync_settings(), Sleeps()))
    # then: reported as what it is, not as XML that is not well-formed
    failure = result["sources"]["certfr"]["failed"]
    assert failure == f"{server.url}/feed/: entity declarations are refused (entity a)"
    status = SourceStatus.objects.get(source="certfr")
    assert status.last_outcome == "failed"
    with translation.override("fr"):
        shown = intel_problem(status.last_errors[0])
    assert "les déclarations d'entités sont refusées (entité a)" in html.unescape(shown)


def test_a_download_over_the_limit_is_refused_not_retried(
    server: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a KEV answer of 2 MB (the real catalog padded), the limit at 1 MB
    monkeypatch.setenv("REMPART_INTEL_MAX_DOCUMENT_MB", "1")
    _, headers, body = server.routes["/kev.json"](None)  # type: ignore[arg-type]
    padded = body.rstrip() + b" " * (2 << 20)
    server.routes["/kev.json"] = lambda _: (200, headers, padded)
    # when
    result = catalog_sync(sources=["kev"], client=HttpClient(sync_settings(), Sleeps()))
    # then
    assert result["sources"]["kev"]["failed"] == (
        f"{server.url}/kev.json: larger than the limit of 1 MB (download)"
    )
    assert len(server.of("/kev.json")) == 1


def test_status_page_shows_outcomes_and_errors_once_in_french(
    offline: None, personas: dict[str, Any]
) -> None:
    # given: an offline sync of two sources, then an import of files for another
    catalog_sync(sources=["nvd", "kev"], client=HttpClient(sync_settings(), Sleeps()))
    client = Client()
    client.force_login(personas["operator_admin"])
    # when
    with translation.override("fr"):
        page = client.get("/intel/status/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    # then
    assert "Dernière réussite" in page
    assert page.count('data-outcome="failed"') == 2
    assert page.count(">Échec<") == 2
    assert page.count("connexion impossible (connexion refusée)") == 2
    assert "<summary>1</summary>" in page
    assert "{&#x27;" not in page  # no Python dict
    assert "URLError" not in page
