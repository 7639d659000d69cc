"""CPE suggestions while typing: the catalog's vendor and product names, ranked.

The regional catalogue's products come first (they are what members run), then the
catalog's (vendor, product) pairs: an exact product name before a product starting with
the words typed, before a vendor starting with them, before a name merely containing them;
within a rank, the products with the most CVEs first (the well-known ones).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count, Q

from rempart.threatwatch.inventory.models import CatalogueProduct
from rempart.threatwatch.models import CpeMatch

MIN_QUERY = 2
LIMIT = 10
CANDIDATES = 300  # catalog pairs ranked in Python
_SEPARATORS = re.compile(r"[\s:/_-]+")


@dataclass(frozen=True)
class Suggestion:
    vendor: str
    product: str
    label: str
    cves: int = 0
    from_catalogue: bool = False

    @property
    def key(self) -> str:
        return f"{self.vendor}:{self.product}"


def normalise(text: str) -> str:
    """`Apache HTTP Server` → `apache_http_server`: the catalog's spelling of names."""
    return _SEPARATORS.sub("_", text.strip().lower()).strip("_")


def _rank(query: str, vendor: str, product: str) -> int:
    """0 (best) to 4; a smaller rank is shown first."""
    joined = f"{vendor}_{product}"
    if query in (product, joined):
        return 0
    if product.startswith(query):
        return 1
    if vendor.startswith(query) or joined.startswith(query):
        return 2
    if query in product:
        return 3
    return 4


def cpe_suggestions(query: str, *, limit: int = LIMIT) -> list[Suggestion]:
    """At most `limit` suggestions for what the user typed (nothing under two characters)."""
    wanted = normalise(query)
    if len(wanted) < MIN_QUERY:
        return []
    found = _catalogue(wanted)
    seen = {s.key for s in found}
    pairs = sorted(
        (p for p in _catalog_pairs(wanted) if f"{p.vendor}:{p.product}" not in seen),
        key=lambda s: (_rank(wanted, s.vendor, s.product), -s.cves, s.key),
    )
    return (found + pairs)[:limit]


def _catalogue(wanted: str) -> list[Suggestion]:
    words = wanted.split("_")
    condition = Q()
    for word in words:
        condition &= Q(name__icontains=word) | Q(cpe_product__icontains=word)
    entries = CatalogueProduct.objects.filter(condition).exclude(cpe_product="")[:LIMIT]
    return [Suggestion(e.cpe_vendor, e.cpe_product, e.name, from_catalogue=True) for e in entries]


def _catalog_pairs(wanted: str) -> list[Suggestion]:
    condition = Q(product__contains=wanted) | Q(vendor__startswith=wanted)
    if "_" in wanted:  # "apache http" → vendor apache, product starting with http
        vendor, _sep, product = wanted.partition("_")
        condition |= Q(vendor=vendor, product__startswith=product)
    rows = (
        CpeMatch.objects.filter(condition)
        .values("vendor", "product")
        .annotate(cves=Count("cve", distinct=True))
        .order_by("-cves")[:CANDIDATES]
    )
    return [
        Suggestion(row["vendor"], row["product"], f"{row['vendor']}:{row['product']}", row["cves"])
        for row in rows
    ]
