"""The probe API (`/api/probe/v1/`): outside the session and CSRF stack, every request signed
by the probe's key (docs/adr/0005-probe-authentication.md). A refused request gets 401 or
403 with an empty JSON object, and nothing else."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from rempart.core.errors import ApplicationError
from rempart.probe import PROBE_VERSION, signing
from rempart.probes import dist, jobs, services
from rempart.probes.auth import (
    RefusedRequestError,
    check_signature,
    probe_authenticate,
    signed_parts,
)
from rempart.probes.keys import centre_public_key
from rempart.probes.models import Probe

MAX_WAIT_S = 30
POLL_EVERY_S = 1.0
ProbeView = Callable[..., HttpResponse]


def _refused(status: int) -> JsonResponse:
    return JsonResponse({}, status=status)


def _error(error: ApplicationError) -> JsonResponse:
    status = 404 if error.code == "not_found" else 400
    return JsonResponse({"error": error.code, "detail": str(error.message)}, status=status)


def _json(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApplicationError("the body is not JSON", code="invalid_json") from exc
    if not isinstance(data, dict):
        raise ApplicationError("the body is not a JSON object", code="invalid_json")
    return data


def signed(view: ProbeView) -> ProbeView:
    """Authenticate the probe first; refusals and business errors become JSON answers."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            probe = probe_authenticate(request)
        except RefusedRequestError as refusal:
            return _refused(refusal.status)
        try:
            return view(request, probe, *args, **kwargs)
        except ApplicationError as error:
            return _error(error)

    return wrapper


@require_GET
def wheel(request: HttpRequest, filename: str) -> FileResponse:
    """The probe's wheel for `pip`/`pipx install URL` (code only: no secret, no data)."""
    if filename != dist.wheel_name():
        raise Http404
    return FileResponse(dist.probe_wheel().open("rb"), as_attachment=True, filename=filename)


@csrf_exempt
@require_POST
def enroll(request: HttpRequest) -> HttpResponse:
    """A new key with a one-time code; the request is signed by that key (proof of possession)."""
    try:
        data = _json(request)
        public_key = str(data.get("public_key") or "")
        parts = signed_parts(request)
        if not public_key or parts.fingerprint != signing.fingerprint(public_key):
            raise RefusedRequestError(401)
        check_signature(request, public_key, parts)
        probe = services.probe_enroll(
            code=str(data.get("code") or ""),
            public_key=public_key,
            version=str(data.get("version") or ""),
        )
    except RefusedRequestError as refusal:
        return _refused(refusal.status)
    except ApplicationError as error:
        return _error(error)
    return JsonResponse(
        {
            "probe": str(probe.public_id),
            "name": probe.name,
            "establishment": probe.establishment.name,
            "centre_public_key": centre_public_key(),
            "heartbeat_interval": probe.heartbeat_interval_s,
            "centre_version": PROBE_VERSION,
        },
        status=201,
    )


@signed
@require_POST
def heartbeat(request: HttpRequest, probe: Probe) -> HttpResponse:
    services.probe_heartbeat(probe=probe, data=_json(request))
    return JsonResponse({"heartbeat_interval": probe.heartbeat_interval_s})


@signed
@require_GET
def job_next(request: HttpRequest, probe: Probe) -> HttpResponse:
    """Long poll: answer as soon as a job waits, or 204 after `wait` seconds."""
    try:
        wait = min(max(float(request.GET.get("wait", "0")), 0.0), MAX_WAIT_S)
    except ValueError:
        wait = 0.0
    deadline = time.monotonic() + wait
    while True:
        job = jobs.job_next(probe)
        if job is not None:
            return JsonResponse({"job": job.document, "signature": job.signature})
        if time.monotonic() >= deadline:
            return HttpResponse(status=204)
        time.sleep(POLL_EVERY_S)


@signed
@require_POST
def chunk_upload(request: HttpRequest, probe: Probe, public_id: Any, index: int) -> HttpResponse:
    job = jobs.job_of_probe(probe, str(public_id))
    key = str(request.headers.get("Idempotency-Key", ""))
    created = jobs.chunk_store(job=job, index=index, key=key, data=request.body)
    return JsonResponse({"stored": created}, status=201 if created else 200)


@signed
@require_POST
def job_finish(request: HttpRequest, probe: Probe, public_id: Any) -> HttpResponse:
    job = jobs.job_of_probe(probe, str(public_id))
    data = _json(request)
    total = data.get("chunks")
    if not isinstance(total, int) or not 0 < total <= jobs.MAX_CHUNKS:
        raise ApplicationError("invalid chunk count", code="invalid_chunk")
    imported = jobs.job_finish(job=job, total=total, digest=str(data.get("sha256") or ""))
    return JsonResponse({"imported": imported})


@signed
@require_POST
def job_fail(request: HttpRequest, probe: Probe, public_id: Any) -> HttpResponse:
    job = jobs.job_of_probe(probe, str(public_id))
    jobs.job_fail(job=job, error=str(_json(request).get("error") or ""))
    return JsonResponse({})
