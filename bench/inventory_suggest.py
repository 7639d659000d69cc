"""CPE suggestions while typing, on a catalog of a million applicability rules: the first
keystroke (the catalog's pairs read once) and the following ones (in memory).

    .venv/bin/python -m bench.inventory_suggest [--rules 1000000] [--products 100000]
        [--database-url postgresql://…]

A throw-away data directory (SQLite unless `--database-url`) gets `--rules` rules spread
over `--products` (vendor, product) pairs named from words of hospital products, then the
suggestions of a few typed texts are timed, cold (pairs read) then warm.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from pathlib import Path

from bench.common import django_home, machine

WORDS = [
    "http", "server", "pacs", "tomcat", "linux", "windows", "router", "cloud", "portal",
    "mail", "sql", "web", "agent", "viewer", "gateway", "manager", "suite", "firmware",
]  # fmt: skip
TYPED = ["ht", "http", "tomcat", "vendor12", "vendor1 web", "gateway_manager"]


def fill(rules: int, products: int) -> float:
    from rempart.threatwatch.models import CpeMatch, Cve  # noqa: PLC0415

    start = time.perf_counter()
    rng = random.Random(1)
    cves = Cve.objects.bulk_create(
        [Cve(cve_id=f"CVE-2099-{i}") for i in range(max(rules // 5, 1))], batch_size=5000
    )
    pairs = [
        (f"vendor{n // 5}", "_".join(rng.sample(WORDS, 2)) + str(n % 5)) for n in range(products)
    ]
    batch = []
    for _ in range(rules):
        vendor, product = pairs[rng.randrange(len(pairs))]
        batch.append(
            CpeMatch(
                cve=cves[rng.randrange(len(cves))], source="nvd", vendor=vendor, product=product
            )
        )
        if len(batch) == 20000:
            CpeMatch.objects.bulk_create(batch)
            batch = []
    CpeMatch.objects.bulk_create(batch)
    return time.perf_counter() - start


def timed(text: str) -> tuple[float, int]:
    from rempart.threatwatch.inventory.suggest import cpe_suggestions  # noqa: PLC0415

    start = time.perf_counter()
    found = cpe_suggestions(text)
    return time.perf_counter() - start, len(found)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rules", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    django_home(Path(tempfile.mkdtemp(prefix="rempart-bench-")), database_url=args.database_url)
    print(machine())
    seconds = fill(args.rules, args.products)
    print(f"catalog: {args.rules} rules, {args.products} products, filled in {seconds:.0f} s")
    cold, count = timed(TYPED[0])
    print(f"first keystroke ({TYPED[0]!r}, pairs read): {cold * 1000:.0f} ms, {count} suggestions")
    for text in TYPED:
        elapsed, count = timed(text)
        print(f"{text!r}: {elapsed * 1000:.1f} ms, {count} suggestions")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
