"""Which importer reads a document: decided from its content, never from its name alone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rempart.threatwatch.importers import certfr, cve5, epss, kev, nvd
from rempart.threatwatch.importers.reading import Document

BUNDLE_HEAD = re.compile(rb'^\s*\{\s*"format"\s*:\s*"rempart-intel-bundle"')
PRODUCTS_INDEX = "cve_id,products,match_kinds"

# Format names, as reported per file.
FORMATS = {
    "nvd-page": "NVD CVE API 2.0 response",
    "nvd-cve": "NVD CVE API 2.0 cve object",
    "nvd-wrapped": "NVD CVE API 2.0 {cve} object",
    "nvd-override": "anchore NVD override",
    "cve5": "CVE JSON 5 record",
    "cve5-error": "CVE Services error answer",
    "kev-json": "CISA KEV JSON",
    "kev-csv": "CISA KEV CSV",
    "epss-csv": "EPSS daily CSV",
    "epss-emba": "EPSS per-year CSV (EMBA)",
    "epss-api": "FIRST EPSS API answer",
    "certfr": "CERT-FR document",
    "certfr-ale-list": "CERT-FR ALE→CVE list",
    "bundle": "Rempart catalog bundle",
}


class UnsupportedError(Exception):
    """Not a format the catalog imports; the message says what it looks like."""


class InvalidDocumentError(Exception):
    """A document in a known syntax that cannot be read (invalid or truncated JSON)."""


@dataclass
class Detected:
    kind: str
    payload: Any = None  # the parsed JSON, for JSON formats


def detect(document: Document) -> Detected:
    first = document.first_char()
    if not first:
        raise UnsupportedError("empty file")
    if first in (b"{", b"["):
        if BUNDLE_HEAD.match(document.head()):
            return Detected("bundle")
        try:
            payload = document.json()
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidDocumentError(f"invalid JSON: {exc}") from exc
        return Detected(json_kind(payload), payload)
    if first == b"<":
        if certfr.is_feed(document.head()):
            raise UnsupportedError(
                "CERT-FR RSS feed: `rempart intel sync --source certfr` reads it and "
                "fetches the documents it links to"
            )
        raise UnsupportedError("XML document of an unknown format")
    return Detected(text_kind(document.first_line()))


def text_kind(line: str) -> str:
    if epss.is_csv(line):
        return "epss-csv"
    if epss.is_emba(line):
        return "epss-emba"
    if kev.is_csv(line):
        return "kev-csv"
    if line.startswith(PRODUCTS_INDEX):
        raise UnsupportedError(
            "index of the corpus `products` slice (a summary built from the sources, "
            "not a source format): import the files it lists instead"
        )
    raise UnsupportedError("not a CVE, NVD, KEV, EPSS or CERT-FR data file")


_CHECKS = (
    ("cve5-error", cve5.is_error_body),
    ("cve5", cve5.is_record),
    ("nvd-page", nvd.is_page),
    ("nvd-override", nvd.is_override),
    ("nvd-wrapped", nvd.is_wrapped),
    ("nvd-cve", nvd.is_cve_object),
    ("kev-json", kev.is_catalog),
    ("epss-api", epss.is_api),
    ("certfr", certfr.is_document),
    ("certfr-ale-list", certfr.is_alert_list),
)


def json_kind(payload: Any) -> str:
    for kind, check in _CHECKS:
        if check(payload):
            return kind
    if kev.is_schema(payload):
        raise UnsupportedError("JSON Schema of the KEV catalog, not catalog data")
    if isinstance(payload, dict) and "CVE_Items" in payload:
        raise UnsupportedError("NVD JSON 1.1 data feed (retired by NVD): use the API 2.0")
    if isinstance(payload, dict) and "CVE_data_meta" in payload:
        raise UnsupportedError("CVE JSON 4 record: CVE JSON 5.x expected")
    keys = sorted(payload)[:8] if isinstance(payload, dict) else type(payload).__name__
    raise UnsupportedError(f"JSON document of an unknown format ({keys})")
