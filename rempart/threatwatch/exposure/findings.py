"""The "finding" exposure source: open CVE findings of scanned assets and services.

A CVE finding (`check_id="cve"`, `key=<CVE>`) is what the correlation wrote when a scanned
service runs a product version that a rule of the catalog covers. Its confidence and its
evidence (the rule, the version, a distribution build) say how sure and why.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from rempart.scanning.choices import ACTIVE_STATUSES
from rempart.scanning.models import Finding
from rempart.threatwatch.exposure import ExposureItem

CHUNK = 500
COLUMNS = (
    "pk",
    "public_id",
    "establishment_id",
    "establishment__slug",
    "key",
    "asset__address",
    "port",
    "protocol",
    "product",
    "version",
    "confidence",
    "evidence",
)


def finding_exposures(cve_ids: list[str]) -> Iterator[ExposureItem]:
    """One item per open CVE finding of these CVEs (new, open or reopened)."""
    for start in range(0, len(cve_ids), CHUNK):
        rows = Finding.objects.filter(
            check_id="cve", key__in=cve_ids[start : start + CHUNK], status__in=ACTIVE_STATUSES
        ).values_list(*COLUMNS)
        for row in rows.order_by("establishment_id", "key", "pk"):
            yield _item(row)


def _item(row: tuple[Any, ...]) -> ExposureItem:
    (pk, public_id, establishment_id, slug, cve_id, address, port, protocol) = row[:8]
    product, version, confidence, evidence = row[8:]
    label = f"{address}:{port}/{protocol}" if port else address
    url = reverse("scanning:finding_detail", kwargs={"establishment": slug, "public_id": public_id})
    return ExposureItem(
        establishment_id=establishment_id,
        cve_id=cve_id,
        kind="finding",
        object_id=pk,
        label=label,
        url=url,
        product=product,
        version=version,
        confidence=confidence,
        reason=evidence or _("Seen by a scan of this service."),
    )
