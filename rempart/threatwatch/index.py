"""An in-memory index of applicability rules: thousands of lookups per second.

Rules of the products asked for are loaded once; each rule's bounds are turned into sort
keys (see `versions.sort_key`), so evaluating a version is a few tuple comparisons per rule,
and the answer for each (product, version) is memoised.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rempart.threatwatch.cpe import ANY, NA, Cpe
from rempart.threatwatch.matching import SOURCE_RANK, Match, Rule, rules_for
from rempart.threatwatch.models import Cve
from rempart.threatwatch.versions import Scheme, scheme_for, sort_key

Key = tuple[tuple[int, int | str], ...]


@dataclass(frozen=True, slots=True)
class IndexedRule:
    cve_id: str
    source: str
    exact: Key | None
    low: Key | None
    low_inclusive: bool
    high: Key | None
    high_inclusive: bool
    everything: bool
    running_on: tuple[str, ...]
    scheme: Scheme

    def contains(self, version: str) -> bool:
        key = sort_key(version, self.scheme)
        if self.exact is not None:
            return key == self.exact
        if self.everything:
            return True
        if self.low is not None and (
            key < self.low or (key == self.low and not self.low_inclusive)
        ):
            return False
        return not (
            self.high is not None
            and (key > self.high or (key == self.high and not self.high_inclusive))
        )


def _indexed(rule: Rule) -> IndexedRule | None:
    scheme = scheme_for(rule.vendor, rule.version_type)
    running_on = tuple(str(p) for p in rule.running_on)
    if rule.version == NA:
        return None
    if rule.version not in (ANY, ""):
        version = Cpe("a", rule.vendor, rule.product, rule.version, rule.update).full_version
        return IndexedRule(
            rule.cve_id,
            rule.source,
            sort_key(version, scheme),
            None,
            False,
            None,
            False,
            False,
            running_on,
            scheme,
        )
    low = rule.start_including or rule.start_excluding
    high = rule.end_including or rule.end_excluding
    return IndexedRule(
        rule.cve_id,
        rule.source,
        None,
        sort_key(low, scheme) if low else None,
        bool(rule.start_including),
        sort_key(high, scheme) if high else None,
        bool(rule.end_including),
        not (low or high),
        running_on,
        scheme,
    )


class RuleIndex:
    """Rules and CVE details, loaded per product on demand."""

    def __init__(self) -> None:
        self._rules: dict[tuple[str, str], list[IndexedRule]] = {}
        self._memo: dict[tuple[str, str, str], dict[str, Match]] = {}
        self._details: dict[str, tuple[float | None, bool, float | None, float | None]] = {}

    def load(self, pairs: Iterable[tuple[str, str]]) -> None:
        missing = {pair for pair in pairs if pair not in self._rules}
        if not missing:
            return
        loaded = rules_for(missing)
        for pair in missing:
            rules = [_indexed(rule) for rule in loaded.get(pair, [])]
            self._rules[pair] = [rule for rule in rules if rule is not None]

    def match(self, cpe: Cpe) -> dict[str, Match]:
        """CVE id → match for a product version (platform constraints flagged)."""
        version = cpe.full_version
        if version in (ANY, NA, ""):
            return {}
        memo_key = (cpe.vendor, cpe.product, version)
        if memo_key not in self._memo:
            self.load([(cpe.vendor, cpe.product)])
            self._memo[memo_key] = self._evaluate(self._rules[(cpe.vendor, cpe.product)], version)
        return {
            cve_id: Match(
                m.cve_id, m.source, m.confidence, reasons=list(m.reasons), running_on=m.running_on
            )
            for cve_id, m in self._memo[memo_key].items()
        }

    @staticmethod
    def _evaluate(rules: list[IndexedRule], version: str) -> dict[str, Match]:
        found: dict[str, Match] = {}
        for rule in rules:
            if not rule.contains(version):
                continue
            current = found.get(rule.cve_id)
            if current is not None and SOURCE_RANK[current.source] <= SOURCE_RANK[rule.source]:
                continue
            reasons = ["requires_platform"] if rule.running_on else []
            confidence = "tentative" if rule.running_on else "firm"
            found[rule.cve_id] = Match(
                rule.cve_id, rule.source, confidence, reasons=reasons, running_on=rule.running_on
            )
        return found

    def enrich(self, matches: dict[str, Match]) -> list[Match]:
        """Add CVSS, KEV and EPSS (one query for the CVEs not seen yet)."""
        unknown = [cve_id for cve_id in matches if cve_id not in self._details]
        for start in range(0, len(unknown), 500):
            rows = Cve.objects.filter(cve_id__in=unknown[start : start + 500]).values_list(
                "cve_id", "cvss_score", "known_exploited", "epss", "epss_percentile"
            )
            for cve_id, *details in rows:
                self._details[cve_id] = tuple(details)  # type: ignore[assignment]
        for match in matches.values():
            cvss, kev, epss, percentile = self._details.get(match.cve_id, (None, False, None, None))
            match.cvss, match.known_exploited = cvss, kev
            match.epss, match.epss_percentile = epss, percentile
        return sorted(
            matches.values(),
            key=lambda m: (not m.known_exploited, -(m.cvss or 0), -(m.epss or 0), m.cve_id),
        )
