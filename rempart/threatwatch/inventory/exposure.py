"""The "declared" exposure source: declared products affected by some CVEs.

Computed on the fly from the catalog's rules (nothing stored), so it is ready as soon as a
catalog change is committed, before the alerts read it.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q
from django.urls import reverse

from rempart.threatwatch.exposure import ExposureItem
from rempart.threatwatch.index import RuleIndex
from rempart.threatwatch.inventory.matching import declared_matches, match_reason
from rempart.threatwatch.inventory.models import DeclaredProduct
from rempart.threatwatch.models import CpeMatch, Cve

CHUNK = 500


def _affected_pairs(cve_ids: list[str]) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for start in range(0, len(cve_ids), CHUNK):
        rows = (
            CpeMatch.objects.filter(cve__cve_id__in=cve_ids[start : start + CHUNK])
            .exclude(cve__state=Cve.State.REJECTED)
            .values_list("vendor", "product")
            .distinct()
        )
        pairs.update(rows)
    return pairs


def _declared_with(pairs: set[tuple[str, str]]) -> list[DeclaredProduct]:
    """Declared products (with a version) of these CPE pairs, in every establishment (CPE
    names are stored lower-case, as the catalog's)."""
    found: list[DeclaredProduct] = []
    query = DeclaredProduct.objects.exclude(version="").select_related("establishment")
    ordered = sorted(pairs)
    for start in range(0, len(ordered), CHUNK):
        condition = Q()
        for vendor, product in ordered[start : start + CHUNK]:
            condition |= Q(cpe_vendor=vendor, cpe_product=product)
        found.extend(query.filter(condition))
    return found


def declared_exposures(cve_ids: list[str]) -> Iterator[ExposureItem]:
    """One `ExposureItem` per declared product and CVE among `cve_ids` that applies to it."""
    wanted = {cve_id.upper() for cve_id in cve_ids}
    products = _declared_with(_affected_pairs(sorted(wanted)))
    matches = declared_matches(products, index=RuleIndex())
    for product in products:
        for match in matches[product.pk]:
            if match.cve_id not in wanted:
                continue
            yield ExposureItem(
                establishment_id=product.establishment_id,
                cve_id=match.cve_id,
                kind="declared",
                object_id=product.pk,
                label=str(product),
                url=reverse(
                    "threatwatch:inventory_detail",
                    kwargs={
                        "establishment": product.establishment.slug,
                        "public_id": product.public_id,
                    },
                ),
                product=f"{product.cpe_vendor}:{product.cpe_product}",
                version=product.version,
                confidence=match.confidence,
                reason=match_reason(product, match),
            )
