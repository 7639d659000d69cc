"""A job from the centre: checked (signature, addressee, validity, scan window) before
anything runs."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from rempart.probe import signing


class JobRefusedError(Exception):
    """The job is unsigned, altered, meant for another probe, or outside its validity."""


def _in_windows(windows: list[dict[str, Any]], zone: str, now: float) -> bool:
    if not windows:
        return True
    local = dt.datetime.fromtimestamp(now, zoneinfo.ZoneInfo(zone))
    minutes = local.hour * 60 + local.minute
    for window in windows:
        start = _minutes(window["start"])
        end = _minutes(window["end"])
        day = int(window["weekday"])
        if end <= start:  # overnight: from start to midnight, then on the next day
            if (day == local.weekday() and minutes >= start) or (
                (day + 1) % 7 == local.weekday() and minutes < end
            ):
                return True
        elif day == local.weekday() and start <= minutes < end:
            return True
    return False


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def verify_job(
    answer: Any, centre_key: Ed25519PublicKey, own_fingerprint: str, now: float | None = None
) -> dict[str, Any]:
    """The job document once checked; `JobRefusedError` names what is wrong."""
    if not isinstance(answer, dict):
        raise JobRefusedError("the answer is not a job")
    document, signature = answer.get("job"), answer.get("signature")
    try:
        signing.verify_document(centre_key, document, signature)
    except signing.SignatureError as exc:
        raise JobRefusedError(f"the job's signature is invalid ({exc})") from exc
    if not isinstance(document, dict):  # checked by verify_document; for the type checker
        raise JobRefusedError("the job is not signed")
    moment = now if now is not None else time.time()
    if document.get("probe") != own_fingerprint:
        raise JobRefusedError("the job is meant for another probe")
    if not isinstance(document.get("not_after"), int) or moment > document["not_after"]:
        raise JobRefusedError("the job has expired")
    try:
        inside = _in_windows(document.get("windows") or [], document.get("timezone", "UTC"), moment)
    except (KeyError, ValueError, TypeError, zoneinfo.ZoneInfoNotFoundError) as exc:
        raise JobRefusedError(f"the job's scan windows are unreadable ({exc})") from exc
    if not inside:
        raise JobRefusedError("the job is outside its scan windows")
    if not isinstance(document.get("scan"), dict):
        raise JobRefusedError("the job holds no scan")
    return document
