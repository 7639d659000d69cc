"""Declared products against the catalog: the same rules, index and confidence as scanned
services (`threatwatch.index`), and the end-of-life check.

A declared product matches through its CPE vendor and product and its version; without a
version nothing matches (as for a scanned service whose version is unknown). A rule that
requires a platform matches tentatively, as for scans.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.threatwatch.cpe import Cpe
from rempart.threatwatch.index import RuleIndex
from rempart.threatwatch.inventory.models import DeclaredProduct
from rempart.threatwatch.matching import Match
from rempart.threatwatch.versions import compare, scheme_for

SOURCE_NAMES = {"nvd": "NVD", "cve5-cna": "CNA", "cve5-adp": "ADP"}


def product_cpe(product: DeclaredProduct) -> Cpe | None:
    """The CPE a declared product is matched with; `None` without vendor, product or version."""
    if not (product.has_cpe and product.version.strip()):
        return None
    return Cpe(
        "a", product.cpe_vendor.lower(), product.cpe_product.lower(), product.version.strip()
    )


def declared_matches(
    products: Iterable[DeclaredProduct], *, index: RuleIndex | None = None
) -> dict[int, list[Match]]:
    """Per declared product id, the CVEs that apply to it, most urgent first."""
    items = [(product, product_cpe(product)) for product in products]
    index = index or RuleIndex()
    index.load({(cpe.vendor, cpe.product) for _, cpe in items if cpe is not None})
    found: dict[int, list[Match]] = {}
    for product, cpe in items:
        found[product.pk] = index.enrich(index.match(cpe)) if cpe is not None else []
    return found


def match_reason(product: DeclaredProduct, match: Match) -> str:
    """Why a declared product is affected, in the reader's language."""
    text = _(
        "Declared version %(version)s of %(vendor)s:%(product)s is affected according to "
        "%(source)s."
    ) % {
        "version": product.version,
        "vendor": product.cpe_vendor,
        "product": product.cpe_product,
        "source": SOURCE_NAMES.get(match.source, match.source),
    }
    if "requires_platform" in match.reasons:
        text += " " + _("Only on some platforms: to verify.")
    return text


def is_end_of_life(product: DeclaredProduct, *, today: dt.date | None = None) -> bool:
    """Declared end of life, past its end of support, or older than the oldest version the
    regional catalogue says is supported."""
    today = today or timezone.localdate()
    if product.end_of_life:
        return True
    if product.support_ends_on is not None and product.support_ends_on < today:
        return True
    entry = product.catalogue
    if entry is None or not entry.oldest_supported or not product.version:
        return False
    scheme = scheme_for(product.cpe_vendor or entry.cpe_vendor)
    return compare(product.version, entry.oldest_supported, scheme) < 0
