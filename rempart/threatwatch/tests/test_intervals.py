"""The interval tree and the per-product rule arrangement give exactly what checking every
rule one by one gives."""

from __future__ import annotations

import random

from rempart.threatwatch.index import ProductRules, _indexed
from rempart.threatwatch.intervals import IntervalTree
from rempart.threatwatch.matching import Rule


def test_stab_equals_brute_force_on_random_intervals() -> None:
    rng = random.Random(7)
    intervals = []
    for number in range(600):
        low = rng.randint(0, 1000)
        high = low + rng.choice([0, 0, 1, 5, 50, 400])
        if number % 50 == 0:
            low, high = high + 3, low  # reversed: contains nothing
        intervals.append((low, high, number))
    tree = IntervalTree(intervals)
    for point in [*range(-5, 1500, 3), 0, 1000, 1400]:
        expected = {n for low, high, n in intervals if low <= point <= high}
        found = tree.stab(point)
        assert len(found) == len(set(found))  # each interval once
        assert set(found) == expected, point


def test_empty_tree_finds_nothing() -> None:
    assert IntervalTree([]).stab(3) == []


def _rule(number: int, rng: random.Random, versions: list[str]) -> Rule:
    bounds = {"version": "*", "si": "", "se": "", "ei": "", "ee": ""}
    kind = rng.choice(["exact", "everything", "range", "range", "range", "from", "until"])
    low, high = sorted(rng.sample(versions, 2), key=versions.index)
    if kind == "exact":
        bounds["version"] = rng.choice(versions)
    elif kind in ("range", "from"):
        bounds[rng.choice(["si", "se"])] = low
    if kind in ("range", "until"):
        bounds[rng.choice(["ei", "ee"])] = high
    return Rule(
        f"CVE-2099-{number:04d}",
        rng.choice(["nvd", "cve5-cna", "cve5-adp"]),
        "apache",
        "http_server",
        bounds["version"],
        "*",
        bounds["si"],
        bounds["se"],
        bounds["ei"],
        bounds["ee"],
        rng.choice(["", "semver"]),
        [],
    )


def test_product_rules_equal_checking_every_rule() -> None:
    rng = random.Random(11)
    versions = [f"2.{minor}.{patch}" for minor in range(0, 6) for patch in range(0, 60, 3)]
    versions += ["2.4.49-rc1", "2.4", "3.0.0", "1.3.42p1"]
    indexed = [_indexed(_rule(n, rng, versions)) for n in range(800)]
    rules = [rule for rule in indexed if rule is not None]
    arranged = ProductRules(rules)
    for version in [*versions, "2.4.50", "0.9", "9.9.9", "2.2.100"]:
        expected = sorted(id(rule) for rule in rules if rule.contains(version))
        assert sorted(id(rule) for rule in arranged.containing(version)) == expected, version
    assert any(arranged.containing(version) for version in versions)
