"""The probe API in-process: signatures, replays, revocation, idempotent chunks, the scope
re-check of uploaded results, and one establishment's probe never seeing another's jobs."""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from typing import Any

import pytest
from django.urls import reverse

from rempart.audit.models import AuditEntry
from rempart.core.errors import ApplicationError
from rempart.engine.model import Finding as EngineFinding
from rempart.engine.model import Host, ScanResult, Service
from rempart.probe import signing
from rempart.probe.jobs import JobRefusedError, verify_job
from rempart.probes import jobs, services
from rempart.probes.choices import Health, JobStatus
from rempart.probes.keys import centre_key
from rempart.probes.models import Probe, ResultChunk
from rempart.probes.selectors import probe_health
from rempart.probes.tests.harness import signed_call
from rempart.scanning.models import Asset
from rempart.scanning.tests.factories import AuthorisationFactory, ScopeFactory

pytestmark = pytest.mark.django_db
API = "/api/probe/v1/"


def _enrolled(establishment: Any, actor: Any) -> tuple[Probe, Any]:
    _, code = services.enrolment_code_create(
        establishment=establishment,
        probe_name=f"Sonde {establishment.slug}",
        site=None,
        actor=actor,
    )
    key = signing.new_private_key()
    probe = services.probe_enroll(code=code, public_key=signing.public_key_b64(key))
    return probe, key


def _scope(establishment: Any) -> Any:
    scope = ScopeFactory(establishment=establishment, targets="127.0.0.0/29", tcp_ports="6379")
    AuthorisationFactory(establishment=establishment, scope=scope)
    return scope


@pytest.fixture
def probe_a(establishment_a: Any, alice: Any) -> tuple[Probe, Any]:
    return _enrolled(establishment_a, alice)


def _sent_job(probe: Probe, actor: Any, client: Any, key: Any) -> Any:
    job = jobs.probe_scan_request(probe=probe, scope=_scope(probe.establishment), actor=actor)
    answer = signed_call(client, key, "GET", API + "jobs/next")
    assert answer.status_code == 200
    assert answer.json()["job"]["job_id"] == str(job.public_id)
    job.refresh_from_db()
    return job


def _result(job: Any, addresses: list[str]) -> bytes:
    result = ScanResult(job_id=str(job.scan.public_id), policy="standard", started_at="2026-01-01")
    for address in addresses:
        result.hosts.append(Host(address=address, services=[Service(port=6379, protocol="tcp")]))
        result.findings.append(
            EngineFinding(
                check="redis.no-auth",
                host=address,
                port=6379,
                protocol="tcp",
                title="Redis",
                title_fr="Redis",
                severity="high",
                confidence="confirmed",
            )
        )
    result.coverage.tcp_ports = "6379"
    return gzip.compress(json.dumps(result.to_dict()).encode())


def _upload(client: Any, key: Any, job: Any, packed: bytes, idem: str = "k0") -> Any:
    return signed_call(
        client,
        key,
        "POST",
        f"{API}jobs/{job.public_id}/chunks/0",
        packed,
        headers={"Idempotency-Key": idem},
        content_type="application/octet-stream",
    )


def _finish(client: Any, key: Any, job: Any, packed: bytes) -> Any:
    body = json.dumps({"chunks": 1, "sha256": hashlib.sha256(packed).hexdigest()}).encode()
    return signed_call(client, key, "POST", f"{API}jobs/{job.public_id}/finish", body)


def test_unsigned_unknown_and_replayed_requests_get_401_and_nothing(
    client: Any, probe_a: tuple[Probe, Any]
) -> None:
    _probe, key = probe_a
    assert client.post(API + "heartbeat", b"{}", content_type="application/json").status_code == 401
    stranger = signing.new_private_key()
    refused = signed_call(client, stranger, "POST", API + "heartbeat", b"{}")
    assert (refused.status_code, refused.json()) == (401, {})
    headers = signing.sign_request(key, "POST", API + "heartbeat", b"{}")
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    first = client.post(API + "heartbeat", b"{}", content_type="application/json", **extra)
    replay = client.post(API + "heartbeat", b"{}", content_type="application/json", **extra)
    assert (first.status_code, replay.status_code, replay.json()) == (200, 401, {})
    altered = client.post(
        API + "heartbeat",
        b'{"version":"x"}',
        content_type="application/json",
        **{**extra, "HTTP_X_REMPART_NONCE": "f" * 32},
    )
    assert altered.status_code == 401
    old = signing.sign_request(key, "POST", API + "heartbeat", b"{}", now=time.time() - 600)
    stale = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in old.items()}
    assert (
        client.post(API + "heartbeat", b"{}", content_type="application/json", **stale).status_code
        == 401
    )


def test_revoked_probe_gets_403_and_nothing(
    client: Any, probe_a: tuple[Probe, Any], alice: Any
) -> None:
    probe, key = probe_a
    job = jobs.probe_scan_request(probe=probe, scope=_scope(probe.establishment), actor=alice)
    services.probe_revoke(probe=probe, actor=alice)
    answer = signed_call(client, key, "GET", API + "jobs/next")
    assert (answer.status_code, answer.json()) == (403, {})
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.scan.status == "failed"
    assert probe_health(probe) == Health.REVOKED


def test_a_retried_chunk_and_a_retried_finish_count_once(
    client: Any, probe_a: tuple[Probe, Any], alice: Any
) -> None:
    probe, key = probe_a
    job = _sent_job(probe, alice, client, key)
    packed = _result(job, ["127.0.0.1"])
    assert _upload(client, key, job, packed).status_code == 201
    retry = _upload(client, key, job, packed)
    assert (retry.status_code, retry.json()) == (200, {"stored": False})
    assert ResultChunk.objects.filter(job=job).count() == 1
    assert _finish(client, key, job, packed).json() == {"imported": True}
    assert _finish(client, key, job, packed).json() == {"imported": False}
    assert _upload(client, key, job, packed).json() == {"stored": False}
    assert not ResultChunk.objects.filter(job=job).exists()  # dropped once imported
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    assert job.scan.findings_new == 1
    assert Asset.objects.filter(establishment=probe.establishment).count() == 1


def test_results_outside_the_scope_are_refused_and_audited(
    client: Any, probe_a: tuple[Probe, Any], alice: Any
) -> None:
    probe, key = probe_a
    job = _sent_job(probe, alice, client, key)
    packed = _result(job, ["127.0.0.1", "10.66.0.1"])
    _upload(client, key, job, packed)
    assert _finish(client, key, job, packed).json() == {"imported": True}
    addresses = set(
        Asset.objects.filter(establishment=probe.establishment).values_list("address", flat=True)
    )
    assert addresses == {"127.0.0.1"}
    entry = AuditEntry.objects.get(verb="probes.result.out_of_scope")
    assert entry.changes["addresses"] == ["10.66.0.1"]


def test_a_corrupted_result_is_refused_and_nothing_is_stored(
    client: Any, probe_a: tuple[Probe, Any], alice: Any
) -> None:
    probe, key = probe_a
    job = _sent_job(probe, alice, client, key)
    packed = _result(job, ["127.0.0.1"])
    _upload(client, key, job, packed[:-5] + b"xxxxx")
    answer = _finish(client, key, job, packed)
    assert answer.status_code == 400
    assert answer.json()["error"] == "checksum"
    assert not Asset.objects.filter(establishment=probe.establishment).exists()


def test_a_probe_never_gets_or_touches_another_establishments_jobs(
    client: Any, probe_a: tuple[Probe, Any], alice: Any, charlie: Any, establishment_b: Any
) -> None:
    probe, _key = probe_a
    probe_b, key_b = _enrolled(establishment_b, charlie)
    job = jobs.probe_scan_request(probe=probe, scope=_scope(probe.establishment), actor=alice)
    assert signed_call(client, key_b, "GET", API + "jobs/next").status_code == 204
    packed = _result(job, ["127.0.0.1"])
    assert _upload(client, key_b, job, packed).status_code == 404
    assert _finish(client, key_b, job, packed).status_code == 404
    with pytest.raises(ApplicationError, match="autre établissement"):
        jobs.probe_scan_request(probe=probe_b, scope=_scope(probe.establishment), actor=alice)
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING


def test_enrolment_codes_are_single_use_and_expire(establishment_a: Any, alice: Any) -> None:
    enrolment, code = services.enrolment_code_create(
        establishment=establishment_a, probe_name="Sonde", site=None, actor=alice
    )
    assert enrolment.code_hash != code
    assert code not in enrolment.code_hash
    enrolment.expires_at = enrolment.created_at
    enrolment.save()
    with pytest.raises(ApplicationError, match="expiré"):
        services.probe_enroll(
            code=code, public_key=signing.public_key_b64(signing.new_private_key())
        )
    assert not Probe.objects.exists()


def test_the_probe_checks_the_job_it_receives(probe_a: tuple[Probe, Any], alice: Any) -> None:
    probe, _ = probe_a
    job = jobs.probe_scan_request(probe=probe, scope=_scope(probe.establishment), actor=alice)
    centre = centre_key().public_key()
    answer = {"job": job.document, "signature": job.signature}
    assert verify_job(answer, centre, probe.key_fingerprint)["job_id"] == str(job.public_id)
    with pytest.raises(JobRefusedError, match="not signed"):
        verify_job({"job": job.document}, centre, probe.key_fingerprint)
    with pytest.raises(JobRefusedError, match="another probe"):
        verify_job(answer, centre, "0" * 64)
    with pytest.raises(JobRefusedError, match="expired"):
        verify_job(answer, centre, probe.key_fingerprint, now=time.time() + 2 * 86400)
    forged = {
        "job": {**job.document, "scan": {**job.document["scan"], "targets": ["10.0.0.0/8"]}},
        "signature": job.signature,
    }
    with pytest.raises(JobRefusedError, match="signature is invalid"):
        verify_job(forged, centre, probe.key_fingerprint)
    other_centre = signing.new_private_key()
    foreign = {"job": job.document, "signature": signing.sign_document(other_centre, job.document)}
    with pytest.raises(JobRefusedError, match="signature is invalid"):
        verify_job(foreign, centre, probe.key_fingerprint)


def test_health_follows_missed_heartbeats(probe_a: tuple[Probe, Any]) -> None:
    import datetime as dt

    from django.utils import timezone

    probe, _ = probe_a
    assert probe_health(probe) == Health.SILENT  # never heard of
    now = timezone.now()
    probe.last_heartbeat_at = now - dt.timedelta(seconds=30)
    assert probe_health(probe, now) == Health.OK
    probe.last_heartbeat_at = now - dt.timedelta(seconds=3 * probe.heartbeat_interval_s)
    assert probe_health(probe, now) == Health.LATE
    probe.last_heartbeat_at = now - dt.timedelta(seconds=6 * probe.heartbeat_interval_s)
    assert probe_health(probe, now) == Health.SILENT


def test_scheduled_scans_of_a_probe_scope_go_to_the_probe(
    client: Any, probe_a: tuple[Probe, Any], alice: Any
) -> None:
    from django.utils import timezone

    from rempart.scanning.tasks import launch_due_scans_task
    from rempart.scanning.tests.factories import ScheduleFactory

    probe, _ = probe_a
    scope = _scope(probe.establishment)
    detail = reverse("scanning:scope_detail", args=[scope.establishment.slug, scope.public_id])
    client.force_login(alice)
    assert 'data-scanned-by="centre"' in client.get(detail).content.decode()
    jobs.probe_scan_request(probe=probe, scope=scope, actor=alice)  # the scope is now the probe's
    assert f'data-scanned-by="{probe.public_id}"' in client.get(detail).content.decode()
    ScheduleFactory(
        establishment=scope.establishment, scope=scope, next_run_at=timezone.now(), enabled=True
    )

    assert launch_due_scans_task() == 1

    assert probe.jobs.filter(scan__schedule__isnull=False, status=JobStatus.PENDING).count() == 1


def test_a_job_sent_without_answer_for_a_day_ends_failed(
    client: Any, probe_a: tuple[Probe, Any], alice: Any
) -> None:
    import datetime as dt

    probe, key = probe_a
    job = _sent_job(probe, alice, client, key)
    job.sent_at = job.sent_at - dt.timedelta(hours=25)
    job.save(update_fields=["sent_at"])
    assert signed_call(client, key, "GET", API + "jobs/next").status_code == 204
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.scan.status == "failed"
    assert "24" in job.error


def test_a_probe_falling_silent_is_alerted_once(
    client: Any, probe_a: tuple[Probe, Any], alice: Any
) -> None:
    import datetime as dt

    from django.utils import timezone

    from rempart.probes.tasks import silent_alert_task
    from rempart.webhooks.models import WebhookDelivery
    from rempart.webhooks.tests.factories import WebhookEndpointFactory

    probe, key = probe_a
    WebhookEndpointFactory(establishment=probe.establishment, events=["probes.probe.silent"])
    assert silent_alert_task() == 0  # just enrolled: not silent yet
    Probe.objects.filter(pk=probe.pk).update(
        enrolled_at=timezone.now() - dt.timedelta(hours=2),
        last_heartbeat_at=timezone.now() - dt.timedelta(hours=1),
    )
    assert silent_alert_task() == 1
    assert silent_alert_task() == 0  # once
    assert AuditEntry.objects.filter(verb="probes.probe.silent").count() == 1
    delivery = WebhookDelivery.objects.get(event="probes.probe.silent")
    assert delivery.payload["data"]["probe"]["name"] == probe.name
    assert signed_call(client, key, "POST", API + "heartbeat", b"{}").status_code == 200
    probe.refresh_from_db()
    assert probe.silent_since is None
    assert AuditEntry.objects.filter(verb="probes.probe.heard_again").count() == 1


def test_the_scan_page_of_a_probe_scan_opens(
    client: Any, probe_a: tuple[Probe, Any], alice: Any
) -> None:
    probe, key = probe_a
    job = _sent_job(probe, alice, client, key)
    client.force_login(alice)
    url = reverse("scanning:scan_detail", args=[probe.establishment.slug, job.scan.public_id])
    assert client.get(url).status_code == 200
    listing = client.get(reverse("probes:probe_list", args=[probe.establishment.slug]))
    assert str(job.scan.public_id) in listing.content.decode()


def test_a_cancelled_job_is_not_handed_out_and_its_result_is_refused(
    client: Any, probe_a: tuple[Probe, Any], alice: Any
) -> None:
    probe, key = probe_a
    job = _sent_job(probe, alice, client, key)
    client.force_login(alice)
    url = reverse("probes:job_cancel", args=[probe.establishment.slug, job.public_id])
    assert client.post(url).status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert job.scan.status == "cancelled"
    packed = _result(job, ["127.0.0.1"])
    assert _upload(client, key, job, packed).json()["error"] == "job_closed"
    assert signed_call(client, key, "GET", API + "jobs/next").status_code == 204
    assert AuditEntry.objects.filter(verb="probes.job.cancelled").count() == 1
