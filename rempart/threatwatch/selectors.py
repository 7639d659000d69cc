"""Reads of the threat watch: the shared catalog, and affected assets through `visible_to`."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from rempart.scanning.models import Finding
from rempart.threatwatch.models import Advisory, CpeMatch, Cve, KevEntry, SourceStatus
from rempart.threatwatch.services.pending import pending_correlation_count


def cve_search(
    *,
    q: str = "",
    vendor: str = "",
    product: str = "",
    kev: bool = False,
    min_cvss: float | None = None,
) -> QuerySet[Cve]:
    """Full text on id, title and description; filters by product, KEV and CVSS."""
    cves = Cve.objects.all()
    text = q.strip()
    if text.upper().startswith("CVE-"):
        cves = cves.filter(cve_id__istartswith=text)
    elif text.startswith("cpe:"):
        from rempart.threatwatch.cpe import CpeError, parse  # noqa: PLC0415

        try:
            cpe = parse(text)
        except CpeError:
            return Cve.objects.none()
        cves = cves.filter(matches__vendor=cpe.vendor, matches__product=cpe.product)
    elif text:
        cves = cves.filter(Q(title__icontains=text) | Q(description__icontains=text))
    if vendor:
        cves = cves.filter(matches__vendor=vendor.lower())
    if product:
        cves = cves.filter(matches__product=product.lower())
    if kev:
        cves = cves.filter(known_exploited=True)
    if min_cvss is not None:
        cves = cves.filter(cvss_score__gte=min_cvss)
    return cves.distinct().order_by("-published", "-cve_id")


def cve_get(*, cve_id: str) -> Cve:
    try:
        return Cve.objects.get(cve_id=cve_id.upper())
    except Cve.DoesNotExist as exc:
        raise Http404 from exc


def cve_details(*, cve: Cve, user: Any) -> dict[str, Any]:
    """Everything the CVE page shows; affected assets only of establishments in reach."""
    return {
        "cve": cve,
        "kev": KevEntry.objects.filter(cve_id=cve.cve_id).first(),
        "advisories": Advisory.objects.filter(cve_links__cve_id=cve.cve_id).order_by("-published")[
            :10
        ],
        "rules": CpeMatch.objects.filter(cve=cve).order_by("source", "vendor", "product")[:200],
        "affected": Finding.objects.visible_to(user)
        .filter(check_id="cve", key=cve.cve_id)
        .select_related("asset", "establishment")
        .order_by("establishment__name", "asset__address")[:200],
    }


def vendor_products(*, vendor: str) -> QuerySet[Any]:
    return (
        CpeMatch.objects.filter(vendor=vendor.lower())
        .values("product")
        .annotate(cves=Count("cve", distinct=True))
        .order_by("-cves", "product")
    )


def product_cves(*, vendor: str, product: str) -> QuerySet[Cve]:
    return (
        Cve.objects.filter(matches__vendor=vendor.lower(), matches__product=product.lower())
        .distinct()
        .order_by("-known_exploited", "-cvss_score", "-published")
    )


def catalog_status() -> dict[str, Any]:
    return {
        "sources": SourceStatus.objects.all(),
        "counts": {
            "cves": Cve.objects.count(),
            "rules": CpeMatch.objects.count(),
            "kev": KevEntry.objects.count(),
            "advisories": Advisory.objects.count(),
            "pending": pending_correlation_count(),
        },
    }
