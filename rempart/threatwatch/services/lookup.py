"""`rempart intel lookup CPE23`: the CVEs applying to a product version."""

from __future__ import annotations

from typing import Any

from rempart.threatwatch.cpe import ANY, NA, CpeError, parse
from rempart.threatwatch.index import shared_index


class CpeLookupError(ValueError):
    """The CPE given is not usable for a lookup; the message says why."""


def lookup_cpe23(text: str) -> list[dict[str, Any]]:
    """JSON-ready matches: cve, cvss, known_exploited, epss, confidence, source, reasons."""
    try:
        cpe = parse(text)
    except CpeError as exc:
        raise CpeLookupError(str(exc)) from exc
    if not text.startswith("cpe:2.3:"):
        raise CpeLookupError(f"{text}: give a CPE 2.3 name (cpe:2.3:part:vendor:product:version:…)")
    if cpe.version in (ANY, NA, ""):
        raise CpeLookupError(f"{text}: the CPE must name a version")
    return shared_index().rows(cpe)
