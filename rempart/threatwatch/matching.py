"""Which CVEs apply to a product version: the catalog's applicability rules.

Rules come from NVD configurations (`nvd`) and CVE JSON 5 `affected` entries of the CNA
(`cve5-cna`) and the ADP containers (`cve5-adp`). A CVE matches when one of its rules for
the product contains the version; NVD wins over the CNA, the CNA over the ADP, for the
reported source. Rules that also require a platform (`running_on`: an application
vulnerable only on some operating system) match with the confidence lowered to tentative
unless the platform is known to match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rempart.threatwatch.cpe import Cpe

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
    running_on: tuple[str, ...] = ()

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


def lookup(cpe: Cpe, *, index: Any = None) -> list[Match]:
    """The CVEs applying to the product version a CPE 2.3 name gives."""
    from rempart.threatwatch.index import shared_index  # noqa: PLC0415  (builds on this module)

    index = index or shared_index()
    return list(index.enrich(index.match(cpe)))
