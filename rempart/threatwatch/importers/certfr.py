"""CERT-FR (ANSSI) publications: avis and alerte JSON documents, the derived ALE→CVE list
(`[{alert, published_at, cves}]`) and the RSS feeds the synchronisation reads.

A document's reference gives its kind (`CERTFR-2025-AVI-0001` avis, `CERTFR-2024-ALE-009`
alerte); its revisions give the publication (first) and last revision dates.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from defusedxml import DTDForbidden, ElementTree, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.common import DefusedXmlException

from rempart.threatwatch.importers.common import clip, parse_date, parse_datetime
from rempart.threatwatch.importers.records import (
    AdvisoryRecord,
    Problem,
    RecordError,
    check_cve_id,
    digest,
)
from rempart.threatwatch.problems import IntelError

REFERENCE = re.compile(r"^(CERTA|CERTFR)-\d{4}-(AVI|ALE)-\d+$")
KINDS = {"AVI": "avis", "ALE": "alerte"}
SITE = "https://www.cert.ssi.gouv.fr"


def is_document(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and isinstance(document.get("reference"), str)
        and "revisions" in document
        and "title" in document
    )


def is_alert_list(document: Any) -> bool:
    return (
        isinstance(document, list)
        and bool(document)
        and all(isinstance(e, dict) and "alert" in e and "cves" in e for e in document[:5])
    )


def kind_of(reference: str) -> str:
    """`avis` or `alerte` from a reference; RecordError for anything else."""
    match = REFERENCE.match(reference)
    if not match:
        raise RecordError(f"invalid CERT-FR reference {reference!r}")
    return KINDS[match.group(2)]


def page_url(reference: str) -> str:
    return f"{SITE}/{kind_of(reference)}/{reference}/"


def _cves(names: Any, warnings: list[str]) -> list[str]:
    found: list[str] = []
    for name in names or []:
        text = name.get("name") if isinstance(name, dict) else name
        try:
            cve_id = check_cve_id(text)
        except RecordError as exc:
            warnings.append(str(exc))
            continue
        if cve_id not in found:
            found.append(cve_id)
    return found


def _system(entry: dict[str, Any]) -> dict[str, Any]:
    product = entry.get("product") or {}
    vendor = product.get("vendor") or {}
    return {
        "vendor": str(vendor.get("name") or ""),
        "product": str(product.get("name") or ""),
        "description": str(entry.get("description") or ""),
        "scada": bool(vendor.get("scada")),
    }


def document_record(document: dict[str, Any], warnings: list[str]) -> AdvisoryRecord:
    """A full avis or alerte document → AdvisoryRecord; RecordError when invalid."""
    reference = str(document["reference"]).strip()
    kind = kind_of(reference)
    title = clip(document.get("title"), 500)
    if not title:
        raise RecordError("no title")
    dates = sorted(
        d
        for d in (parse_datetime(r.get("revision_date")) for r in document["revisions"] or [])
        if d is not None
    )
    return AdvisoryRecord(
        reference=reference,
        kind=kind,
        title=title,
        summary=str(document.get("summary") or "").strip(),
        published=dates[0] if dates else None,
        last_revision=dates[-1] if dates else None,
        closed_at=parse_date(document.get("closed_at")),
        affected_systems=[
            _system(e) for e in document.get("affected_systems") or [] if isinstance(e, dict)
        ],
        risks=[
            str(r.get("description") or "")
            for r in document.get("risks") or []
            if isinstance(r, dict)
        ],
        url=page_url(reference),
        cve_ids=_cves(document.get("cves"), warnings),
        content_hash=digest(document),
    )


def alert_list(document: list[Any], origin: str) -> Iterator[AdvisoryRecord | Problem]:
    """Entries of the derived ALE→CVE list: partial alertes (reference, date, CVEs)."""
    for entry in document:
        reference = str(entry.get("alert") or "").strip() if isinstance(entry, dict) else ""
        try:
            if kind_of(reference) != "alerte":
                raise RecordError(f"{reference} is not an alerte")
            warnings: list[str] = []
            yield AdvisoryRecord(
                reference=reference,
                kind="alerte",
                title=reference,
                published=parse_datetime(entry.get("published_at")),
                url=page_url(reference),
                cve_ids=_cves(entry.get("cves"), warnings),
                content_hash=digest(entry),
                partial=True,
            )
        except (RecordError, AttributeError) as exc:
            yield Problem(origin, reference, str(exc))


@dataclass(frozen=True)
class FeedItem:
    title: str
    link: str
    published: str
    description: str

    @property
    def json_url(self) -> str:
        """The document JSON of an item: `<link>json/`."""
        return self.link.rstrip("/") + "/json/"


def is_feed(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:400]
    return (text.startswith(b"<?xml") and b"<rss" in text) or text.startswith(b"<rss")


class FeedError(IntelError):
    """An RSS feed refused: hostile XML (entity declarations, external references), XML
    that is not well-formed, or not RSS 2.0; the message says which."""


def feed_items(xml: bytes, *, origin: str = "RSS") -> list[FeedItem]:
    """Items of an RSS 2.0 feed, parsed with defusedxml; FeedError when it is refused."""
    try:
        root = ElementTree.fromstring(xml)
    except EntitiesForbidden as exc:
        raise FeedError("entities_refused", origin=origin, name=str(exc.name)[:60]) from exc
    except (ExternalReferenceForbidden, DTDForbidden) as exc:
        raise FeedError("external_refused", origin=origin) from exc
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise FeedError("not_well_formed", origin=origin, detail=str(exc)[:200]) from exc
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise FeedError("not_rss", origin=origin)
    return [
        FeedItem(
            title=(item.findtext("title") or "").strip(),
            link=(item.findtext("link") or "").strip(),
            published=_rss_date(item.findtext("pubDate")),
            description=(item.findtext("description") or "").strip(),
        )
        for item in channel.findall("item")
    ]


def _rss_date(value: str | None) -> str:
    try:
        return email.utils.parsedate_to_datetime(value or "").isoformat()
    except (TypeError, ValueError):
        return ""
