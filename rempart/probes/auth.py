"""Who is calling the probe API: the signature of the request names a probe, or nobody."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from rempart.probe import signing
from rempart.probes.models import Probe, SeenNonce

NONCE_KEPT = dt.timedelta(seconds=2 * signing.REPLAY_WINDOW_S)


@dataclass(frozen=True)
class RefusedRequestError(Exception):
    """The request is refused: 401 (unknown key, bad or replayed signature) or 403 (revoked)."""

    status: int


@dataclass(frozen=True)
class SignedRequest:
    fingerprint: str
    timestamp: str
    nonce: str
    signature: str


def _header(request: HttpRequest, name: str) -> str:
    return str(request.headers.get(name, ""))[:200]


def signed_parts(request: HttpRequest) -> SignedRequest:
    parts = SignedRequest(
        fingerprint=_header(request, signing.HEADER_PROBE),
        timestamp=_header(request, signing.HEADER_TIMESTAMP),
        nonce=_header(request, signing.HEADER_NONCE),
        signature=_header(request, signing.HEADER_SIGNATURE),
    )
    if not all((parts.fingerprint, parts.timestamp, parts.nonce, parts.signature)):
        raise RefusedRequestError(401)
    return parts


def check_signature(request: HttpRequest, public_key_text: str, parts: SignedRequest) -> None:
    """Signature, clock and nonce; any failure is a 401 with no detail."""
    try:
        signing.check_timestamp(parts.timestamp)
        message = signing.request_message(
            request.method or "",
            request.get_full_path(),
            parts.timestamp,
            parts.nonce,
            request.body,
        )
        signing.verify(signing.load_public_key(public_key_text), parts.signature, message)
    except signing.SignatureError as exc:
        raise RefusedRequestError(401) from exc
    _remember_nonce(parts)


def _remember_nonce(parts: SignedRequest) -> None:
    now = timezone.now()
    SeenNonce.objects.filter(seen_at__lt=now - NONCE_KEPT).delete()
    try:
        with transaction.atomic():
            SeenNonce.objects.create(
                probe_fingerprint=parts.fingerprint, nonce=parts.nonce[:64], seen_at=now
            )
    except IntegrityError as exc:  # a replayed request
        raise RefusedRequestError(401) from exc


def probe_authenticate(request: HttpRequest) -> Probe:
    """The enrolled, non-revoked probe that signed `request`, or `RefusedRequestError`."""
    parts = signed_parts(request)
    probe: Probe | None = (
        Probe.objects.select_related("establishment")
        .filter(key_fingerprint=parts.fingerprint)
        .first()
    )
    if probe is None:
        raise RefusedRequestError(401)
    check_signature(request, probe.public_key, parts)
    if probe.revoked_at is not None:
        raise RefusedRequestError(403)
    return probe
