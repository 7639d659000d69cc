"""Latency of the vulnerability dashboards, reports page, exports and statistics on SQLite with
10,000 findings and 50 scans (goal: under 2 s per page).

    .venv/bin/python -m bench.report_latency [--findings 10000] [--scans 50] [--runs 5]
                                             [--append docs/benchmarks.md]

Builds a throw-away data directory (embedded default: SQLite in WAL mode, production
settings), one establishment with 500 assets, the findings spread over 26 weeks (40 % fixed,
5 % false positives, 5 % accepted risks) and the scans, then times each page through Django's
test client (median of `--runs` requests after a warm-up request) and one PDF report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import django_home, machine

SEVERITIES = ("critical", "high", "high", "medium", "medium", "medium", "low", "low", "info")
STATUSES = ("fixed",) * 8 + ("false_positive", "accepted") + ("new", "open", "reopened") * 3
SLA = {"critical": 7, "high": 30, "medium": 90, "low": 180}


def _people() -> tuple[Any, Any, Any]:
    from allauth.mfa.totp.internal.auth import TOTP  # noqa: PLC0415

    from rempart.accounts.tests.factories import UserFactory  # noqa: PLC0415
    from rempart.tenancy.models import Membership, OperatorAssignment  # noqa: PLC0415
    from rempart.tenancy.tests.factories import EstablishmentFactory, OperatorFactory  # noqa: PLC0415

    operator = OperatorFactory()
    establishment = EstablishmentFactory(operator=operator, name="CH Bench", slug="ch-bench")
    referent = UserFactory(email="referent@ch-bench.example.org")
    Membership.objects.create(user=referent, establishment=establishment, role="referent")
    staff = UserFactory(email="staff@grades.example.org")
    OperatorAssignment.objects.create(
        user=staff, operator=operator, role="admin", all_establishments=True
    )
    TOTP.activate(staff, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    return establishment, referent, staff


def _scans(establishment: Any, count: int, now: dt.datetime) -> None:
    from rempart.scanning.tests.factories import ScanFactory, ScopeFactory  # noqa: PLC0415

    scope = ScopeFactory(establishment=establishment, name="Réseau principal")
    for index in range(count):
        finished = now - dt.timedelta(hours=84 * index)
        ScanFactory(
            establishment=establishment,
            scope=scope,
            finished_at=finished,
            started_at=finished - dt.timedelta(hours=1),
            hosts_up=480,
            services_found=1900,
        )


def _assets(establishment: Any, count: int, now: dt.datetime) -> list[Any]:
    from rempart.scanning.models import Asset  # noqa: PLC0415

    classes = ("server", "workstation", "biomedical", "printer", "network_core", "iot_building")
    rows = [
        Asset(
            establishment=establishment,
            address=f"10.{index // 250}.{index % 250}.1",
            name=f"hote-{index}" if index % 3 else "",
            asset_class=classes[index % 6],
            first_seen=now - dt.timedelta(days=200),
            last_seen=now,
        )
        for index in range(count)
    ]
    return Asset.objects.bulk_create(rows)


def _finding(establishment: Any, asset: Any, index: int, check: Any, now: dt.datetime) -> Any:
    from rempart.scanning.models import Finding  # noqa: PLC0415

    severity = random.choice(SEVERITIES)
    status = random.choice(STATUSES)
    first_seen = now - dt.timedelta(days=random.uniform(0, 182))
    fixed_at = None
    if status == "fixed":
        fixed_at = min(now, first_seen + dt.timedelta(days=random.uniform(1, 60)))
    days = SLA.get(severity)
    return Finding(
        establishment=establishment,
        asset=asset,
        port=1000 + index % 50000,
        protocol="tcp",
        check_id=check.id,
        key=str(index),
        fingerprint=f"{index:064x}",
        title=check.title,
        title_fr=check.title_fr,
        severity=severity,
        confidence="confirmed",
        status=status,
        evidence=f"banner {index}: " + "x" * 180,
        first_seen=first_seen,
        last_seen=now,
        fixed_at=fixed_at,
        due_at=first_seen + dt.timedelta(days=days) if days else None,
    )


def build(findings: int, scans: int) -> tuple[Any, Any, Any]:
    from django.utils import timezone  # noqa: PLC0415

    from rempart.engine.checks import load_all  # noqa: PLC0415
    from rempart.scanning.models import Finding  # noqa: PLC0415

    random.seed(2026)
    now = timezone.now()
    establishment, referent, staff = _people()
    _scans(establishment, scans, now)
    assets = _assets(establishment, 500, now)
    checks = list(load_all().values())
    rows = [
        _finding(establishment, assets[i % len(assets)], i, checks[i % len(checks)], now)
        for i in range(findings)
    ]
    Finding.objects.bulk_create(rows, batch_size=2000)
    return establishment, referent, staff


def _timed(action: Callable[[], Any], runs: int) -> tuple[float, float]:
    """(first call, median of `runs` further calls), in seconds."""
    start = time.perf_counter()
    action()
    first = time.perf_counter() - start
    times = [first] if runs == 0 else []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return first, statistics.median(times)


def _get(client: Any, url: str) -> Callable[[], Any]:
    def fetch() -> Any:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)  # noqa: S101
        if getattr(response, "streaming", False):
            return b"".join(response.streaming_content)
        return response.content

    return fetch


def measure(
    establishment: Any, referent: Any, staff: Any, runs: int
) -> list[tuple[str, float, float]]:
    from django.test import Client  # noqa: PLC0415

    from rempart.scanning.services.report_pdf import html_to_pdf, report_html  # noqa: PLC0415
    from rempart.scanning.stats import establishment_stats  # noqa: PLC0415

    member, operator = Client(), Client()
    member.force_login(referent)
    operator.force_login(staff)
    slug = establishment.slug
    cases: list[tuple[str, Callable[[], Any], int]] = [
        (
            "establishment_stats(weeks=12)",
            lambda: establishment_stats(establishment=establishment),
            runs,
        ),
        (
            "establishment_stats(weeks=52)",
            lambda: establishment_stats(establishment=establishment, weeks=52),
            runs,
        ),
        (f"GET /e/{slug}/security/", _get(member, f"/e/{slug}/security/"), runs),
        (f"GET /e/{slug}/reports/", _get(member, f"/e/{slug}/reports/"), runs),
        (f"GET /e/{slug}/ (home dashboard)", _get(member, f"/e/{slug}/"), runs),
        ("GET /operator/ (regional dashboard)", _get(operator, "/operator/"), runs),
        (
            "GET findings.csv (all findings)",
            _get(member, f"/e/{slug}/reports/findings.csv?active=false"),
            2,
        ),
        (
            "GET findings.xlsx (all findings)",
            _get(member, f"/e/{slug}/reports/findings.xlsx?active=false"),
            2,
        ),
        (
            "PDF report (HTML + WeasyPrint)",
            lambda: html_to_pdf(report_html(establishment=establishment, weeks=12)),
            0,
        ),
    ]
    results = []
    for label, action, count in cases:
        first, median = _timed(action, count) if count else (_timed(action, 0)[0], float("nan"))
        results.append((label, first, median))
        print(f"{label:45} first {first:7.3f} s   median {median:7.3f} s", flush=True)
    return results


def report(results: list[tuple[str, float, float]], args: argparse.Namespace) -> str:
    lines = [
        f"## Vulnerability dashboards, reports and exports ({time.strftime('%Y-%m-%d')})",
        "",
        f"Command: `.venv/bin/python -m bench.report_latency --findings {args.findings} "
        f"--scans {args.scans} --runs {args.runs}`  ",
        f"Machine: {machine()}  ",
        f"Data: 1 establishment, 500 assets, {args.findings} findings over 26 weeks, "
        f"{args.scans} scans; SQLite (embedded default, WAL), production settings. "
        "Goal: each page under 2 s.",
        "",
        "| Measure | First call | Median |",
        "|---|---:|---:|",
    ]
    for label, first, median in results:
        shown = "—" if median != median else f"{median * 1000:.0f} ms"  # noqa: PLR0124  (NaN)
        lines.append(f"| {label} | {first * 1000:.0f} ms | {shown} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--scans", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--append", type=Path, help="append the Markdown table to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rempart-bench-") as home:
        django_home(Path(home))
        start = time.perf_counter()
        establishment, referent, staff = build(args.findings, args.scans)
        print(f"data built in {time.perf_counter() - start:.1f} s", flush=True)
        results = measure(establishment, referent, staff, args.runs)
    text = report(results, args)
    print(text)
    if args.append:
        with args.append.open("a", encoding="utf-8") as handle:
            handle.write("\n" + text)


if __name__ == "__main__":
    main()
