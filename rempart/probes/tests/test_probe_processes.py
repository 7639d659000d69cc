"""The probe end to end, with real processes: the centre is Django's live server, the probe
is the `rempart-probe` console script in a child process, the target a real redis-server
without password on 127.0.0.1, scanned by real nmap."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from rempart.audit.models import AuditEntry
from rempart.probe import signing
from rempart.probe.state import State
from rempart.probes.choices import JobStatus
from rempart.probes.models import Probe, ProbeJob
from rempart.probes.tests.harness import (
    UploadGate,
    code_from_page,
    probe,
    redis_without_password,
    tls_context,
)
from rempart.scanning.models import Finding
from rempart.scanning.tests.factories import AuthorisationFactory, ScopeFactory
from rempart.tenancy.tests.factories import SiteFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("nmap") is None, reason="nmap is not installed"),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is missing"),
]


@pytest.fixture
def redis_port(tmp_path: Path) -> Any:
    with redis_without_password(tmp_path) as port:
        yield port


@pytest.fixture
def scope(establishment_a: Any, redis_port: int) -> Any:
    scope = ScopeFactory(
        establishment=establishment_a,
        name="Site de Tourcoing",
        targets="127.0.0.1",
        tcp_ports=str(redis_port),
    )
    AuthorisationFactory(establishment=establishment_a, scope=scope)
    return scope


def enrol(client: Any, alice: Any, server: str, state_dir: Path) -> Probe:
    """A code created in the UI by the referent, then `rempart-probe enroll` with it."""
    site = SiteFactory(establishment=alice.memberships.get().establishment)
    client.force_login(alice)
    slug = site.establishment.slug
    page = client.post(
        reverse("probes:code_create", args=[slug]),
        {"probe_name": "Sonde Tourcoing", "site": site.pk},
    )
    assert page.status_code == 200
    code = code_from_page(page.content.decode())
    done = probe(state_dir, "enroll", "--server", server, "--code", code)
    assert done.returncode == 0, done.stderr
    assert "Sonde Tourcoing" in done.stdout
    again = probe(state_dir, "enroll", "--server", server, "--code", code)
    assert again.returncode == 2, "a code works once"
    assert "inconnu, déjà utilisé ou expiré" in again.stderr
    return Probe.objects.get(name="Sonde Tourcoing")


def assign(client: Any, probe_obj: Probe, scope: Any) -> ProbeJob:
    response = client.post(
        reverse("probes:probe_scan", args=[probe_obj.establishment.slug, probe_obj.public_id]),
        {"scope": scope.pk, "policy": "standard"},
    )
    assert response.status_code == 302
    return ProbeJob.objects.get(probe=probe_obj, scan__scope=scope, status=JobStatus.PENDING)


def test_probe_enrols_scans_and_its_findings_appear(
    live_server: Any, client: Any, alice: Any, scope: Any, redis_port: int, tmp_path: Path
) -> None:
    state_dir = tmp_path / "probe"
    probe_obj = enrol(client, alice, live_server.url, state_dir)
    assert probe_obj.establishment == scope.establishment
    assert probe_obj.site is not None
    assert AuditEntry.objects.filter(verb="probes.probe.enrolled").count() == 1
    assert AuditEntry.objects.filter(verb="probes.enrolment_code.created").count() == 1
    assert oct((state_dir / "probe-ed25519.key").stat().st_mode)[-3:] == "600"
    job = assign(client, probe_obj, scope)

    run = probe(state_dir, "run", "--once", "--wait", "1")
    assert run.returncode == 0, run.stderr

    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED, (job.error, run.stderr)
    assert job.scan.status == "completed"
    finding = Finding.objects.get(establishment=scope.establishment, check_id="redis.no-auth")
    assert finding.asset.address == "127.0.0.1"
    assert finding.service.port == redis_port
    probe_obj.refresh_from_db()
    assert probe_obj.last_heartbeat_at is not None
    assert probe_obj.version
    assert probe_obj.last_job == str(job.public_id)
    page = client.get(reverse("probes:probe_list", args=[scope.establishment.slug]))
    assert 'data-health="ok"' in page.content.decode()
    assert "Site de Tourcoing" in page.content.decode()  # the scope it scans
    status = probe(state_dir, "status")
    assert json.loads(status.stdout)["results_waiting"] == []


def test_altered_job_is_refused(
    live_server: Any, client: Any, alice: Any, scope: Any, tmp_path: Path
) -> None:
    state_dir = tmp_path / "probe"
    probe_obj = enrol(client, alice, live_server.url, state_dir)
    job = assign(client, probe_obj, scope)
    job.document["scan"]["targets"] = ["127.0.0.2"]  # not signed by the centre
    job.save(update_fields=["document"])

    run = probe(state_dir, "run", "--once", "--wait", "1")

    assert run.returncode == 0, run.stderr
    assert "job refused: the job's signature is invalid" in run.stderr
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "refused by the probe" in job.error
    assert job.scan.status == "failed"
    assert job.scan.hosts_up == 0
    assert "running job" not in run.stderr


def test_revoked_probe_gets_nothing(
    live_server: Any, client: Any, alice: Any, scope: Any, tmp_path: Path
) -> None:
    state_dir = tmp_path / "probe"
    probe_obj = enrol(client, alice, live_server.url, state_dir)
    job = assign(client, probe_obj, scope)
    response = client.post(
        reverse("probes:probe_revoke", args=[scope.establishment.slug, probe_obj.public_id])
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(verb="probes.probe.revoked").count() == 1

    run = probe(state_dir, "run", "--once", "--wait", "1")

    assert run.returncode == 3
    assert "refused this probe (HTTP 403)" in run.stderr
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.sent_at is None


def test_results_wait_on_disk_while_the_centre_is_unreachable(
    live_server: Any, client: Any, alice: Any, scope: Any, tmp_path: Path
) -> None:
    gate = UploadGate(int(live_server.url.rsplit(":", 1)[1]))
    state_dir = tmp_path / "probe"
    probe_obj = enrol(client, alice, gate.url, state_dir)
    job = assign(client, probe_obj, scope)
    gate.uploads_blocked = True

    cut = probe(state_dir, "run", "--once", "--wait", "1")

    assert cut.returncode == 0, cut.stderr
    assert gate.refused >= 1
    assert "results stay on disk" in cut.stderr
    job.refresh_from_db()
    assert job.status == JobStatus.SENT
    assert not Finding.objects.filter(establishment=scope.establishment).exists()
    waiting = json.loads(probe(state_dir, "status").stdout)["results_waiting"]
    assert waiting == [str(job.public_id)]

    gate.uploads_blocked = False
    back = probe(state_dir, "run", "--once", "--wait", "1")

    assert back.returncode == 0, back.stderr
    assert f"result of job {job.public_id} delivered" in back.stderr
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    assert Finding.objects.filter(establishment=scope.establishment).count() == 1
    assert json.loads(probe(state_dir, "status").stdout)["results_waiting"] == []
    gate.close()


def test_state_directory_key_is_the_enrolled_key(
    live_server: Any, client: Any, alice: Any, scope: Any, tmp_path: Path
) -> None:
    state_dir = tmp_path / "probe"
    probe_obj = enrol(client, alice, live_server.url, state_dir)
    key = State(state_dir).key()
    assert signing.fingerprint(signing.public_key_b64(key)) == probe_obj.key_fingerprint


def test_the_probe_speaks_https_and_checks_the_centres_certificate(
    live_server: Any, client: Any, alice: Any, scope: Any, tmp_path: Path
) -> None:
    context, ca_file = tls_context(tmp_path)
    gate = UploadGate(int(live_server.url.rsplit(":", 1)[1]), tls=context)
    state_dir = tmp_path / "probe"
    site = SiteFactory(establishment=scope.establishment)
    client.force_login(alice)
    page = client.post(
        reverse("probes:code_create", args=[scope.establishment.slug]),
        {"probe_name": "Sonde TLS", "site": site.pk},
    )
    code = code_from_page(page.content.decode())

    untrusted = probe(state_dir, "enroll", "--server", gate.url, "--code", code)

    assert untrusted.returncode == 4
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr
    assert not Probe.objects.exists()
    trusted = probe(
        state_dir, "--ca-file", str(ca_file), "enroll", "--server", gate.url, "--code", code
    )
    assert trusted.returncode == 0, trusted.stderr
    job = assign(client, Probe.objects.get(), scope)
    run = probe(state_dir, "--ca-file", str(ca_file), "run", "--once", "--wait", "1")
    assert run.returncode == 0, run.stderr
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    gate.close()
