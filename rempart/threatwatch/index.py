"""An in-memory index of applicability rules: thousands of lookups per second.

Rules of the products asked for are loaded once; each rule's bounds are turned into sort
keys (see `versions.sort_key`), so evaluating a version is a few tuple comparisons per rule,
and the answer for each (product, version) is memoised.

Lookups (CLI, API, product pages, exposure) share one index per process. A product's rules
are loaded on its first lookup (one query: a command that looks up one product reads only
its rules); once `EAGER_AFTER` products were loaded so, the index loads every product's rules
in one query, and a long-running process (web, worker) answers from memory from then on.

The index is dropped when the catalog changes: every transaction that changes CVEs, rules,
KEV flags or scores moves a counter (`catalog_changed()`, `CatalogGeneration`). A process
reads the counter at most every `GENERATION_CHECK_S` seconds (an import by another process,
a worker), and at its next lookup after a change it committed itself.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F

from rempart.threatwatch.cpe import ANY, NA, Cpe
from rempart.threatwatch.intervals import IntervalTree
from rempart.threatwatch.matching import RULE_FIELDS, SOURCE_RANK, Match, Rule
from rempart.threatwatch.models import CatalogGeneration, CpeMatch, Cve
from rempart.threatwatch.versions import Scheme, scheme_for, sort_key

Key = tuple[tuple[int, int | str], ...]
MEMO_LIMIT = 100_000  # memoised (product, version) answers kept per index
GENERATION_CHECK_S = 5.0
EAGER_AFTER = 50  # products loaded one by one before the index loads them all at once
RULE_WIDTH = len(RULE_FIELDS)
NO_DETAILS: tuple[Any, ...] = (None, False, None, None)
DETAIL_FIELDS = ("cve__cvss_score", "cve__known_exploited", "cve__epss", "cve__epss_percentile")


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
    rank: tuple[int, bool] = (0, False)  # lower wins: the source, then no platform needed

    @property
    def confidence(self) -> str:
        """A rule that also requires a platform matches tentatively (platform unknown)."""
        return "tentative" if self.running_on else "firm"

    @property
    def reasons(self) -> tuple[str, ...]:
        return ("requires_platform",) if self.running_on else ()

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
    rank = (SOURCE_RANK[rule.source], bool(running_on))
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
            rank,
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
        rank,
    )


LOWEST: Key = ()  # before every sort key
HIGHEST: Key = ((sys.maxsize, 0),)  # after every sort key


class ProductRules:
    """One product's rules, arranged so that a version is checked against the few rules
    that may contain it: a dict of exact versions, an interval tree of ranges per scheme."""

    __slots__ = ("everything", "exact", "ranges")

    def __init__(self, rules: Iterable[IndexedRule] = ()) -> None:
        self.everything: list[IndexedRule] = []
        self.exact: dict[Scheme, dict[Key, list[IndexedRule]]] = {}
        ranges: dict[Scheme, list[tuple[Key, Key, IndexedRule]]] = {}
        for rule in rules:
            if rule.exact is not None:
                self.exact.setdefault(rule.scheme, {}).setdefault(rule.exact, []).append(rule)
            elif rule.everything:
                self.everything.append(rule)
            else:
                low = LOWEST if rule.low is None else rule.low
                high = HIGHEST if rule.high is None else rule.high
                ranges.setdefault(rule.scheme, []).append((low, high, rule))
        self.ranges = {scheme: IntervalTree(items) for scheme, items in ranges.items()}

    def containing(self, version: str) -> list[IndexedRule]:
        found = list(self.everything)
        for scheme, exact in self.exact.items():
            found.extend(exact.get(sort_key(version, scheme), ()))
        for scheme, tree in self.ranges.items():
            # the tree's intervals are closed: `contains` applies the open ends
            found.extend(
                rule for rule in tree.stab(sort_key(version, scheme)) if rule.contains(version)
            )
        return found


class RuleIndex:
    """Rules and CVE details, loaded per product on demand."""

    def __init__(self) -> None:
        self._rules: dict[tuple[str, str], ProductRules] = {}
        self._memo: dict[tuple[str, str, str], dict[str, IndexedRule]] = {}
        self._details: dict[str, tuple[Any, ...]] = {}
        self._rows: dict[tuple[str, str, str], tuple[dict[str, Any], ...]] = {}
        self._complete = False  # every product's rules are loaded
        self._one_by_one = 0  # products loaded on their first lookup

    def load(self, pairs: Iterable[tuple[str, str]] | None = None) -> None:
        """Load the rules of these (vendor, product) pairs, or of every product (`None`),
        with the details of their CVEs, in one query."""
        if pairs is None:
            missing = None
        else:
            missing = {pair for pair in pairs if pair not in self._rules}
            if not missing:
                return
        rules: dict[tuple[str, str], list[IndexedRule]] = {}
        for row in _rule_rows(missing):
            rule = Rule(*row[:RULE_WIDTH])
            pair = (rule.vendor, rule.product)
            if missing is not None and pair not in missing:
                continue
            self._details[rule.cve_id] = row[RULE_WIDTH:]
            indexed = _indexed(rule)
            if indexed is not None:
                rules.setdefault(pair, []).append(indexed)
        for pair in missing or ():
            rules.setdefault(pair, [])
        self._rules.update((pair, ProductRules(found)) for pair, found in rules.items())
        self._complete = self._complete or missing is None

    def match(self, cpe: Cpe) -> dict[str, Match]:
        """CVE id → match for a product version (platform constraints flagged); copies the
        caller may change."""
        return {
            cve_id: Match(
                cve_id,
                rule.source,
                rule.confidence,
                reasons=list(rule.reasons),
                running_on=rule.running_on,
            )
            for cve_id, rule in self._memoised(cpe).items()
        }

    def _memoised(self, cpe: Cpe) -> dict[str, IndexedRule]:
        """CVE id → the rule that decides the match (memoised per product version)."""
        version = cpe.full_version
        if version in (ANY, NA, ""):
            return {}
        memo_key = (cpe.vendor, cpe.product, version)
        found = self._memo.get(memo_key)
        if found is None:
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            found = self._memo[memo_key] = self._evaluate(self._product(cpe), version)
        return found

    def _product(self, cpe: Cpe) -> ProductRules:
        """A product's rules, loaded on first use (every product's past `EAGER_AFTER`)."""
        pair = (cpe.vendor, cpe.product)
        rules = self._rules.get(pair)
        if rules is None:
            if not self._complete and self._one_by_one >= EAGER_AFTER:
                self.load()
            if self._complete:
                rules = self._rules.setdefault(pair, ProductRules())
            else:
                self._one_by_one += 1
                self.load([pair])
                rules = self._rules[pair]
        return rules

    @staticmethod
    def _evaluate(rules: ProductRules, version: str) -> dict[str, IndexedRule]:
        """Per CVE, the rule of the best source; of equals, one without a platform."""
        found: dict[str, IndexedRule] = {}
        for rule in rules.containing(version):
            current = found.get(rule.cve_id)
            if current is None or rule.rank < current.rank:
                found[rule.cve_id] = rule
        return found

    def _fill_details(self, cve_ids: Iterable[str]) -> None:
        """CVSS, KEV and EPSS of the CVEs not seen yet (rules load them with the CVE)."""
        unknown = [cve_id for cve_id in cve_ids if cve_id not in self._details]
        for start in range(0, len(unknown), 500):
            rows = Cve.objects.filter(cve_id__in=unknown[start : start + 500]).values_list(
                "cve_id", "cvss_score", "known_exploited", "epss", "epss_percentile"
            )
            for cve_id, *details in rows:
                self._details[cve_id] = tuple(details)

    def enrich(self, matches: dict[str, Match]) -> list[Match]:
        """Add CVSS, KEV and EPSS; most urgent first."""
        self._fill_details(matches)
        for match in matches.values():
            cvss, kev, epss, percentile = self._details.get(match.cve_id, NO_DETAILS)
            match.cvss, match.known_exploited = cvss, kev
            match.epss, match.epss_percentile = epss, percentile
        return sorted(
            matches.values(),
            key=lambda m: _urgency(m.cve_id, m.known_exploited, m.cvss, m.epss),
        )

    def rows(self, cpe: Cpe) -> list[dict[str, Any]]:
        """JSON-ready matches of a product version (`Match.as_dict` keys), most urgent
        first; memoised, callers get copies."""
        memo_key = (cpe.vendor, cpe.product, cpe.full_version)
        rows = self._rows.get(memo_key)
        if rows is None:
            if len(self._rows) >= MEMO_LIMIT:
                self._rows.clear()
            matches = self._memoised(cpe)
            self._fill_details(matches)
            built = []
            for cve_id, rule in matches.items():
                cvss, kev, epss, _percentile = self._details.get(cve_id, NO_DETAILS)
                built.append(
                    {
                        "cve": cve_id,
                        "cvss": cvss,
                        "known_exploited": kev,
                        "epss": epss,
                        "confidence": rule.confidence,
                        "source": rule.source,
                        "reasons": rule.reasons,
                    }
                )
            built.sort(key=lambda r: _urgency(r["cve"], r["known_exploited"], r["cvss"], r["epss"]))
            rows = self._rows[memo_key] = tuple(built)
        return [dict(row) for row in rows]


def _urgency(
    cve_id: str, known_exploited: bool, cvss: float | None, epss: float | None
) -> tuple[bool, float, float, str]:
    """Sort key: known exploited first, then by CVSS, EPSS, identifier."""
    return (not known_exploited, -(cvss or 0), -(epss or 0), cve_id)


def _rule_rows(pairs: set[tuple[str, str]] | None) -> Iterator[tuple[Any, ...]]:
    """Rules (`RULE_FIELDS`) followed by their CVE's score, KEV flag and EPSS."""
    query = CpeMatch.objects.exclude(cve__state=Cve.State.REJECTED)
    if pairs is not None:
        query = query.filter(
            vendor__in={vendor for vendor, _ in pairs}, product__in={name for _, name in pairs}
        )
    return query.values_list(*RULE_FIELDS, *DETAIL_FIELDS).iterator(chunk_size=5000)


class _Shared:
    index: RuleIndex | None = None
    generation: int | None = None
    checked_at = 0.0
    lock = threading.Lock()


def catalog_generation() -> int:
    """The counter that every change of the catalog moves (0 before the first)."""
    found = CatalogGeneration.objects.filter(pk=1).values_list("value", flat=True).first()
    return found or 0


def catalog_changed() -> None:
    """Move the catalog's counter; call it inside the transaction that changes the catalog.
    This process's index is checked at its next lookup after the commit."""
    if not CatalogGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        CatalogGeneration.objects.update_or_create(pk=1, defaults={"value": 1})
    transaction.on_commit(_check_soon)


def _check_soon() -> None:
    with _Shared.lock:
        _Shared.checked_at = -GENERATION_CHECK_S


def shared_index() -> RuleIndex:
    """The process-wide index, rebuilt after a catalog change."""
    with _Shared.lock:
        now = time.monotonic()
        if _Shared.index is None or now - _Shared.checked_at >= GENERATION_CHECK_S:
            generation = catalog_generation()
            if _Shared.index is None or generation != _Shared.generation:
                _Shared.index, _Shared.generation = RuleIndex(), generation
            _Shared.checked_at = now
        return _Shared.index


def invalidate_shared_index() -> None:
    with _Shared.lock:
        _Shared.index = None
