"""Which CVEs apply to a product version: evaluation of the catalog's applicability rules.

Rules come from NVD configurations (`nvd`) and CVE JSON 5 `affected` entries of the CNA
(`cve5-cna`) and the ADP containers (`cve5-adp`). A CVE matches when one of its rules for
the product contains the version; NVD wins over the CNA, the CNA over the ADP, for the
reported source. Rules that also require a platform (`running_on`: an application
vulnerable only on some operating system) match with the confidence lowered to tentative
unless the platform is known to match.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rempart.threatwatch.cpe import ANY, NA, Cpe
from rempart.threatwatch.models import CpeMatch, Cve
from rempart.threatwatch.versions import in_range, scheme_for

SOURCE_RANK = {"nvd": 0, "cve5-cna": 1, "cve5-adp": 2}


@dataclass(slots=True)
class Rule:
    """An applicability rule as loaded for matching (lighter than the model)."""

    cve_id: str
    source: str
    vendor: str
    product: str
    version: str
    update: str
    start_including: str
    start_excluding: str
    end_including: str
    end_excluding: str
    version_type: str
    running_on: list[str]


RULE_FIELDS = (
    "cve__cve_id",
    "source",
    "vendor",
    "product",
    "version",
    "update",
    "start_including",
    "start_excluding",
    "end_including",
    "end_excluding",
    "version_type",
    "running_on",
)


@dataclass
class Match:
    """A CVE applying to a product version, and why."""

    cve_id: str
    source: str
    confidence: str
    cvss: float | None = None
    known_exploited: bool = False
    epss: float | None = None
    epss_percentile: float | None = None
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cve": self.cve_id,
            "cvss": self.cvss,
            "known_exploited": self.known_exploited,
            "epss": self.epss,
            "confidence": self.confidence,
            "source": self.source,
            "reasons": self.reasons,
        }


def rule_contains(rule: Rule, version: str, vendor: str = "") -> bool:
    """Whether one rule's version specification contains `version`."""
    scheme = scheme_for(vendor or rule.vendor, rule.version_type)
    exact = rule.version
    if exact not in (ANY, NA, ""):
        if rule.update not in (ANY, NA, ""):
            exact = Cpe("a", rule.vendor, rule.product, exact, rule.update).full_version
        return in_range(version, exact=exact, scheme=scheme)
    if exact == NA:
        return False
    return in_range(
        version,
        exact=ANY if not _bounded(rule) else "",
        start_including=rule.start_including,
        start_excluding=rule.start_excluding,
        end_including=rule.end_including,
        end_excluding=rule.end_excluding,
        scheme=scheme,
    )


def _bounded(rule: Rule) -> bool:
    return any((rule.start_including, rule.start_excluding, rule.end_including, rule.end_excluding))


def rules_for(products: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[Rule]]:
    """Every rule of the given (vendor, product) pairs, grouped, in one query."""
    pairs = set(products)
    grouped: dict[tuple[str, str], list[Rule]] = defaultdict(list)
    if not pairs:
        return grouped
    vendors = {v for v, _ in pairs}
    names = {p for _, p in pairs}
    rows = (
        CpeMatch.objects.filter(vendor__in=vendors, product__in=names)
        .exclude(cve__state=Cve.State.REJECTED)
        .values_list(*RULE_FIELDS)
    )
    for row in rows.iterator(chunk_size=5000):
        rule = Rule(*row)
        if (rule.vendor, rule.product) in pairs:
            grouped[(rule.vendor, rule.product)].append(rule)
    return grouped


def evaluate(cpe: Cpe, rules: list[Rule], *, platforms: Iterable[str] = ()) -> dict[str, Match]:
    """CVE id → match for one product version, from its rules (no database access)."""
    version = cpe.full_version
    if version in (ANY, NA, ""):
        return {}
    known_platforms = {p.lower() for p in platforms}
    found: dict[str, Match] = {}
    for rule in rules:
        if not rule_contains(rule, version, cpe.vendor):
            continue
        confidence, reasons = "firm", []
        if rule.running_on:
            wanted = {str(p).lower() for p in rule.running_on}
            if known_platforms and not _platform_matches(wanted, known_platforms):
                continue
            confidence = "tentative"
            reasons.append("requires_platform")
        current = found.get(rule.cve_id)
        if current is None or SOURCE_RANK[rule.source] < SOURCE_RANK[current.source]:
            found[rule.cve_id] = Match(rule.cve_id, rule.source, confidence, reasons=reasons)
    return found


def _platform_matches(wanted: set[str], known: set[str]) -> bool:
    return any(any(k in w or w in k for k in known) for w in wanted)


def enrich(matches: dict[str, Match]) -> list[Match]:
    """Add CVSS, KEV and EPSS from the catalog; sorted by KEV, CVSS, EPSS."""
    details = Cve.objects.filter(cve_id__in=list(matches)).values_list(
        "cve_id", "cvss_score", "known_exploited", "epss", "epss_percentile"
    )
    for cve_id, cvss, kev, epss, percentile in details:
        match = matches[cve_id]
        match.cvss, match.known_exploited = cvss, kev
        match.epss, match.epss_percentile = epss, percentile
    return sorted(
        matches.values(),
        key=lambda m: (not m.known_exploited, -(m.cvss or 0), -(m.epss or 0), m.cve_id),
    )


def lookup(cpe: Cpe, *, platforms: Iterable[str] = ()) -> list[Match]:
    """The CVEs applying to the product version a CPE 2.3 name gives."""
    rules = rules_for([(cpe.vendor, cpe.product)]).get((cpe.vendor, cpe.product), [])
    return enrich(evaluate(cpe, rules, platforms=platforms))
