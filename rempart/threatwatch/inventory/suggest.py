"""CPE suggestions while typing: the catalog's vendor and product names, ranked.

The regional catalogue's products come first (they are what members run), then the
catalog's (vendor, product) pairs: an exact product name before a product starting with
the words typed, before a vendor starting with them, before a name merely containing them;
within a rank, the products with the most CVEs first (the well-known ones).

The catalog's distinct (vendor, product) pairs are read once per process and kept until the
catalog changes (an import or a sync, or new rules), so a keystroke costs a scan of the
pairs in memory, not a query over every rule (docs/benchmarks.md).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

from django.db.models import Count, Max, Q

from rempart.threatwatch.index import GENERATION_CHECK_S, catalog_generation
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


class _Pairs:
    """The catalog's (vendor, product) pairs, most CVEs first, and the state they reflect."""

    pairs: tuple[tuple[str, str, int], ...] = ()
    state: tuple[object, ...] | None = None
    checked_at = 0.0
    lock = threading.Lock()


def _catalog_state() -> tuple[object, ...]:
    """Changes with every recorded import or sync, and with every new rule."""
    return (catalog_generation(), CpeMatch.objects.aggregate(last=Max("pk"))["last"])


def catalog_pairs() -> tuple[tuple[str, str, int], ...]:
    """(vendor, product, number of CVEs) of every product the catalog's rules name."""
    with _Pairs.lock:
        now = time.monotonic()
        if _Pairs.state is None or now - _Pairs.checked_at >= GENERATION_CHECK_S:
            state = _catalog_state()
            if state != _Pairs.state:
                rows = (
                    CpeMatch.objects.values_list("vendor", "product")
                    .annotate(cves=Count("cve", distinct=True))
                    .order_by()
                )
                _Pairs.pairs = tuple(sorted(rows, key=lambda row: (-row[2], row[0], row[1])))
                _Pairs.state = state
            _Pairs.checked_at = now
        return _Pairs.pairs


def invalidate_suggestions() -> None:
    with _Pairs.lock:
        _Pairs.state, _Pairs.pairs = None, ()


def _catalog_pairs(wanted: str) -> list[Suggestion]:
    """The pairs that contain what was typed (most CVEs first, `CANDIDATES` at most)."""
    vendor_typed, _sep, product_typed = wanted.partition("_")
    found: list[Suggestion] = []
    for vendor, product, cves in catalog_pairs():
        if (
            wanted in product
            or vendor.startswith(wanted)
            or (product_typed and vendor == vendor_typed and product.startswith(product_typed))
        ):
            found.append(Suggestion(vendor, product, f"{vendor}:{product}", cves))
            if len(found) >= CANDIDATES:
                break
    return found
