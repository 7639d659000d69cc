"""Enrolment codes, enrolment, revocation and heartbeats of the probes."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.probe import signing
from rempart.probes.choices import Health, JobStatus
from rempart.probes.models import EnrolmentCode, Probe
from rempart.probes.selectors import SILENT_AFTER_BEATS, probe_health
from rempart.tenancy import access
from rempart.webhooks import events as webhook_events
from rempart.webhooks import services as webhooks

CODE_TTL = dt.timedelta(hours=24)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
PROBE_ACTOR = "probe"


def code_hash(code: str) -> str:
    normalised = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


@transaction.atomic
def enrolment_code_create(
    *,
    establishment: Any,
    probe_name: str,
    site: Any,
    actor: Any,
    ip_address: str | None = None,
) -> tuple[EnrolmentCode, str]:
    """A single-use, expiring code for one new probe; the code itself is returned once."""
    if not access.can(actor, Action.MANAGE, establishment):
        raise PermissionDeniedError(_("You cannot enrol probes for this establishment."))
    if site is not None and site.establishment_id != establishment.pk:
        raise ApplicationError(_("This site belongs to another establishment."))
    code = _new_code()
    enrolment = EnrolmentCode.objects.create(
        establishment=establishment,
        site=site,
        probe_name=probe_name.strip()[:200],
        code_hash=code_hash(code),
        expires_at=timezone.now() + CODE_TTL,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        verb="probes.enrolment_code.created",
        target=enrolment,
        ip_address=ip_address,
        changes={"probe_name": enrolment.probe_name, "site": str(site or "")},
    )
    return enrolment, code


def _refuse_enrolment() -> ApplicationError:
    return ApplicationError(
        _("This enrolment code is unknown, used or expired."), code="invalid_code"
    )


@transaction.atomic
def probe_enroll(*, code: str, public_key: str, version: str = "") -> Probe:
    """Turn a valid code into a probe holding `public_key`; the code is used up."""
    try:
        signing.load_public_key(public_key)
    except signing.SignatureError as exc:
        raise ApplicationError(_("The public key is invalid."), code="invalid_key") from exc
    enrolment = (
        EnrolmentCode.objects.select_for_update(of=("self",))
        .select_related("establishment")
        .filter(code_hash=code_hash(code))
        .first()
    )
    now = timezone.now()
    if enrolment is None or enrolment.used_at is not None or enrolment.expires_at <= now:
        raise _refuse_enrolment()
    fingerprint = signing.fingerprint(public_key)
    if Probe.objects.filter(key_fingerprint=fingerprint).exists():
        raise ApplicationError(_("This key is already enrolled."), code="key_known")
    probe = Probe.objects.create(
        establishment=enrolment.establishment,
        site=enrolment.site,
        name=enrolment.probe_name,
        public_key=public_key,
        key_fingerprint=fingerprint,
        enrolled_at=now,
        version=version[:50],
    )
    enrolment.used_at, enrolment.probe = now, probe
    enrolment.save(update_fields=["used_at", "probe", "updated_at"])
    audit_record(
        actor=None,
        actor_label=PROBE_ACTOR,
        verb="probes.probe.enrolled",
        target=probe,
        changes={"fingerprint": fingerprint, "version": probe.version},
    )
    return probe


@transaction.atomic
def probe_revoke(*, probe: Probe, actor: Any, ip_address: str | None = None) -> None:
    """The probe's key stops working at its next request; its waiting jobs fail."""
    if not access.can(actor, Action.MANAGE, probe.establishment):
        raise PermissionDeniedError(_("You cannot revoke probes of this establishment."))
    if probe.revoked_at is not None:
        raise ApplicationError(_("This probe is already revoked."))
    probe.revoked_at = timezone.now()
    probe.save(update_fields=["revoked_at", "updated_at"])
    from rempart.probes.jobs import job_abandon  # noqa: PLC0415  (jobs imports services)

    for job in probe.jobs.filter(status__in=(JobStatus.PENDING, JobStatus.SENT)):
        job_abandon(job, _("The probe was revoked."))
    audit_record(
        actor=actor,
        verb="probes.probe.revoked",
        target=probe,
        ip_address=ip_address,
        changes={"fingerprint": probe.key_fingerprint},
    )


def probe_heartbeat(*, probe: Probe, data: dict[str, Any]) -> None:
    if probe.silent_since is not None:
        audit_record(
            actor=None, actor_label=PROBE_ACTOR, verb="probes.probe.heard_again", target=probe
        )
        probe.silent_since = None
    probe.last_heartbeat_at = timezone.now()
    probe.version = str(data.get("version") or "")[:50]
    load = data.get("load")
    probe.load = float(load) if isinstance(load, int | float) else None
    probe.last_job = str(data.get("last_job") or "")[:100]
    probe.save(
        update_fields=[
            "last_heartbeat_at",
            "version",
            "load",
            "last_job",
            "silent_since",
            "updated_at",
        ]
    )


def silent_probes_alert(now: dt.datetime | None = None) -> int:
    """Probes that have just fallen silent: one audit entry and one webhook event each (not
    repeated until the probe is heard again). Returns how many."""
    now = now or timezone.now()
    alerted = 0
    for probe in Probe.objects.filter(revoked_at__isnull=True, silent_since__isnull=True):
        if probe_health(probe, now) != Health.SILENT or probe.enrolled_at > now - dt.timedelta(
            seconds=SILENT_AFTER_BEATS * probe.heartbeat_interval_s
        ):
            continue
        with transaction.atomic():
            probe.silent_since = now
            probe.save(update_fields=["silent_since", "updated_at"])
            audit_record(actor=None, verb="probes.probe.silent", target=probe)
            webhooks.emit(
                probe.establishment_id,
                webhook_events.PROBE_SILENT,
                webhook_events.probe_payload(probe),
            )
        alerted += 1
    return alerted
