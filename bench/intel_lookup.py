"""Lookups and correlation on a real catalog: 10,000 lookups of (CPE, version) (goal: under
2 s) and the re-correlation of 5,000 assets after a catalog update (goal: under 10 s).

    .venv/bin/python -m bench.intel_lookup [--lookups 10000] [--assets 5000]
        [--database-url postgresql://…] [--append docs/benchmarks.md] PATH…

PATH…: catalog files in their original formats, loaded with `rempart intel import` into a
throw-away data directory (SQLite unless `--database-url`), e.g. the NVD configurations
and KEV/EPSS of ../shared/data/vuln/.

Lookups: `lookup_cpe23` (what the CLI, the API and the product pages call) on 10,000
(product, version) pairs drawn from the catalog's own rules (the bounds of its ranges, their
neighbours and exact versions: the versions where answers change), first with an empty
index (the first 50 products' rules loaded one by one, then every product's at once, as a
long-running process does), then again (answers memoised).

Correlation: 5,000 assets of one establishment, each with 1 to 3 services running products
that hospital networks expose (nmap-style CPEs; 60 % at the newest version the catalog's rules
name, the others at any version they name), correlated once (findings created), then re-correlated
after a catalog update, as the sync job does: for the CVEs of one day (`cve_ids`), and for
the whole catalog (`cve_ids=None`).
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import django_home, machine


def import_catalog(paths: list[str]) -> float:
    from django.core.management import call_command  # noqa: PLC0415

    start = time.perf_counter()
    call_command("intel", "import", *paths, verbosity=0)
    return time.perf_counter() - start


def _neighbours(version: str) -> list[str]:
    """The version and the ones just around it (last number ± 1)."""
    head, _, last = version.rpartition(".")
    if not (head and last.isdigit()):
        return [version]
    number = int(last)
    return [version, f"{head}.{number + 1}", f"{head}.{max(number - 1, 0)}"]


def product_versions(count: int) -> list[tuple[str, str, str]]:
    """(vendor, product, version) pairs where the catalog's answers change."""
    from rempart.threatwatch.models import CpeMatch  # noqa: PLC0415

    fields = ("vendor", "product", "version", "start_including", "end_excluding", "end_including")
    pairs: set[tuple[str, str, str]] = set()
    for vendor, product, *versions in CpeMatch.objects.values_list(*fields).iterator(5000):
        if vendor in ("*", "") or product in ("*", ""):
            continue
        for version in versions:
            if version and version not in ("*", "-"):
                pairs.update((vendor, product, v) for v in _neighbours(version))
    ordered = sorted(pairs)
    random.shuffle(ordered)
    return ordered[:count]


def time_lookups(queries: list[tuple[str, str, str]]) -> dict[str, Any]:
    from rempart.threatwatch.cpe import Cpe  # noqa: PLC0415
    from rempart.threatwatch.index import invalidate_shared_index, shared_index  # noqa: PLC0415
    from rempart.threatwatch.services.lookup import lookup_cpe23  # noqa: PLC0415

    names = [Cpe("a", v, p, version).as_23() for v, p, version in queries]
    invalidate_shared_index()
    results: dict[str, Any] = {"queries": len(names), "products": len({q[:2] for q in queries})}
    for label in ("cold", "warm"):
        matched = 0
        start = time.perf_counter()
        for name in names:
            matched += bool(lookup_cpe23(name))
        results[label] = time.perf_counter() - start
        results["with_cves"] = matched
    # A long-running process (API, worker) loads every product's rules once, then answers.
    invalidate_shared_index()
    start = time.perf_counter()
    shared_index().load()
    results["preload"] = time.perf_counter() - start
    start = time.perf_counter()
    for name in names:
        lookup_cpe23(name)
    results["preloaded"] = time.perf_counter() - start
    return results


# Products that hospital networks expose (the alias table of `rempart.threatwatch.aliases`).
HOSPITAL_PRODUCTS = [
    ("apache", "http_server"), ("apache", "tomcat"), ("openbsd", "openssh"), ("nginx", "nginx"),
    ("f5", "nginx"), ("microsoft", "internet_information_services"),
    ("microsoft", "exchange_server"), ("samba", "samba"), ("openssl", "openssl"),
    ("mariadb", "mariadb"), ("oracle", "mysql"), ("postgresql", "postgresql"),
    ("redis", "redis"), ("php", "php"), ("vmware", "esxi"), ("vmware", "vcenter_server"),
    ("fortinet", "fortios"), ("cisco", "ios"), ("cisco", "ios_xe"),
    ("cisco", "adaptive_security_appliance_software"), ("ivanti", "connect_secure"),
    ("citrix", "netscaler_application_delivery_controller"), ("proftpd", "proftpd"),
    ("beasts", "vsftpd"), ("exim", "exim"), ("postfix", "postfix"), ("dovecot", "dovecot"),
    ("eclipse", "mosquitto"), ("elastic", "elasticsearch"), ("mongodb", "mongodb"),
    ("memcached", "memcached"), ("redhat", "wildfly"),
]  # fmt: skip
UP_TO_DATE_SHARE = 0.6  # services running the newest version the catalog's rules name


def hospital_versions() -> dict[tuple[str, str], list[str]]:
    """Per hospital product of the catalog, the versions its rules name, oldest first."""
    from rempart.threatwatch.models import CpeMatch  # noqa: PLC0415
    from rempart.threatwatch.versions import sort_key  # noqa: PLC0415

    found: dict[tuple[str, str], set[str]] = {}
    fields = ("vendor", "product", "version", "start_including", "end_excluding", "end_including")
    for vendor, product in HOSPITAL_PRODUCTS:
        rows = CpeMatch.objects.filter(vendor=vendor, product=product).values_list(*fields)
        for _v, _p, *versions in rows.iterator(5000):
            found.setdefault((vendor, product), set()).update(
                v for v in versions if v and v not in ("*", "-") and v[0].isdigit()
            )
    return {pair: sorted(versions, key=sort_key) for pair, versions in found.items() if versions}


def build_assets(count: int) -> tuple[int, int]:
    """`count` assets with 1 to 3 services each, running hospital products: 60 % at the
    newest version the catalog's rules name, the others at any version they name."""
    from django.utils import timezone  # noqa: PLC0415

    from rempart.scanning.models import Asset, Service  # noqa: PLC0415
    from rempart.tenancy.tests.factories import EstablishmentFactory  # noqa: PLC0415

    versions = hospital_versions()
    pairs = sorted(versions)
    establishment = EstablishmentFactory(name="CH Bench", slug="ch-bench")
    now = timezone.now()
    assets = Asset.objects.bulk_create(
        Asset(
            establishment=establishment,
            address=f"10.{i // 62500}.{i // 250 % 250}.{i % 250 + 1}",
            first_seen=now,
            last_seen=now,
        )
        for i in range(count)
    )
    services = []
    for asset in assets:
        for port in range(random.randint(1, 3)):
            vendor, product = random.choice(pairs)
            known = versions[(vendor, product)]
            up_to_date = random.random() < UP_TO_DATE_SHARE
            version = known[-1] if up_to_date else random.choice(known)
            services.append(
                Service(
                    establishment=establishment,
                    asset=asset,
                    port=8000 + port,
                    protocol="tcp",
                    name="http",
                    product=product,
                    version=version,
                    cpe=f"cpe:/a:{vendor}:{product}:{version}",
                    first_seen=now,
                    last_seen=now,
                )
            )
    Service.objects.bulk_create(services, batch_size=2000)
    return len(services), len(pairs)


def time_correlation() -> dict[str, Any]:
    from django.db.models import Q  # noqa: PLC0415

    from rempart.threatwatch.models import Cve  # noqa: PLC0415
    from rempart.threatwatch.services.correlation import correlate_catalog_change  # noqa: PLC0415

    results: dict[str, Any] = {}
    start = time.perf_counter()
    first = correlate_catalog_change()
    results["first"], results["first_summary"] = time.perf_counter() - start, first
    # the day's update: the 300 most recently modified CVEs of the products the assets run
    products = Q()
    for vendor, product in HOSPITAL_PRODUCTS:
        products |= Q(matches__vendor=vendor, matches__product=product)
    recent = (
        Cve.objects.filter(products).order_by("-last_modified").values_list("cve_id", flat=True)
    )
    day = list(dict.fromkeys(recent.iterator()))[:300]
    start = time.perf_counter()
    results["day_summary"] = correlate_catalog_change(cve_ids=day)
    results["day"] = time.perf_counter() - start
    start = time.perf_counter()
    results["all_summary"] = correlate_catalog_change()
    results["all"] = time.perf_counter() - start
    return results


def _said(summary: Any) -> str:
    return (
        f"{summary.services} services, {summary.matched} matches, {summary.created} findings "
        f"created, {summary.closed} closed"
    )


def report(args: argparse.Namespace, figures: dict[str, Any]) -> str:
    lookups, correlation = figures["lookups"], figures["correlation"]
    database = "PostgreSQL" if args.database_url else "SQLite (embedded default)"
    paths = " ".join(args.paths)
    return "\n".join(
        [
            f"## Catalog lookups and correlation ({time.strftime('%Y-%m-%d')})",
            "",
            f"Command: `.venv/bin/python -m bench.intel_lookup --lookups {args.lookups} "
            f"--assets {args.assets}{' --database-url …' if args.database_url else ''} "
            f"{paths}`  ",
            f"Machine: {machine()}  ",
            f"Database: {database}. Catalog: {figures['cves']} CVEs, {figures['rules']} "
            f"applicability rules (imported in {figures['import']:.1f} s).",
            "",
            "| Measure | Result | Goal |",
            "|---|---:|---:|",
            f"| {lookups['queries']} lookups, empty index ({lookups['products']} products: "
            f"the first 50 loaded one by one, then every product at once) "
            f"| {lookups['cold']:.2f} s | < 2 s |",
            f"| {lookups['queries']} lookups, memoised | {lookups['warm']:.2f} s | |",
            f"| Loading every product's rules into the index | {lookups['preload']:.2f} s | |",
            f"| {lookups['queries']} lookups on the loaded index (each version evaluated) "
            f"| {lookups['preloaded']:.2f} s | < 2 s |",
            f"| First correlation of {args.assets} assets ({figures['services']} services, "
            f"{figures['asset_products']} hospital products): "
            f"{_said(correlation['first_summary'])} | {correlation['first']:.2f} s | |",
            f"| Re-correlation after an update of 300 CVEs of these products: "
            f"{_said(correlation['day_summary'])} "
            f"| {correlation['day']:.2f} s | < 10 s |",
            f"| Re-correlation of every asset: {_said(correlation['all_summary'])} "
            f"| {correlation['all']:.2f} s | < 10 s |",
            f"| Peak memory of the process (import included) | {figures['rss_mib']:.0f} MiB | |",
            "",
            f"{lookups['with_cves']} of the {lookups['queries']} lookups found CVEs.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="catalog files for `rempart intel import`")
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--assets", type=int, default=5_000)
    parser.add_argument("--database-url", help="PostgreSQL URL (an empty database)")
    parser.add_argument("--append", type=Path, help="append the Markdown table to this file")
    parser.add_argument(
        "--keep", type=Path, help="keep the data directory here (to profile it afterwards)"
    )
    args = parser.parse_args()
    random.seed(2026)
    with tempfile.TemporaryDirectory(prefix="rempart-bench-") as scratch:
        home = args.keep or Path(scratch)
        django_home(home, database_url=args.database_url)
        from rempart.threatwatch.models import CpeMatch, Cve  # noqa: PLC0415

        figures: dict[str, Any] = {"import": import_catalog(args.paths)}
        figures["cves"], figures["rules"] = Cve.objects.count(), CpeMatch.objects.count()
        print(f"catalog: {figures['cves']} CVEs, {figures['rules']} rules", flush=True)
        queries = product_versions(args.lookups)
        figures["lookups"] = time_lookups(queries)
        print(figures["lookups"], flush=True)
        figures["services"], figures["asset_products"] = build_assets(args.assets)
        figures["correlation"] = time_correlation()
        print(figures["correlation"], flush=True)
        figures["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    text = report(args, figures)
    print(text)
    if args.append:
        with args.append.open("a", encoding="utf-8") as handle:
            handle.write("\n" + text)


if __name__ == "__main__":
    main()
