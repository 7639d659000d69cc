"""nmap XML import: hosts per second, and how long another writer waits meanwhile (goals:
at least 2,000 hosts/s; no other write waits more than a second).

    .venv/bin/python -m bench.nmap_import [--hosts 6246 30000]
        [--database-url postgresql://postgres@127.0.0.1:5432/rempart_bench_import]

Builds a throw-away data directory (production settings; SQLite in it unless
`--database-url`, a PostgreSQL database created for the run and dropped at the end), one
establishment whose scope is 10.20.0.0/16, then for each size a realistic report
(`bench.nmap_xml`: hospital equipment, ~3.4 open services a host with product, version
and CPE, ~1.15 KB a host) imported as `rempart import_scan` does it: the whole report
checked and reduced to its in-scope hosts (`report_import_request`), then the
`scanning.import` job run in-process. The same report is imported a second time (every host
known: the update path). Meanwhile another process writes one row every 50 ms, each in its
own transaction, and records how long each write took.

Wall time depends on what else the machine runs (the load average is printed before and
after); the importing process's CPU time (`time.process_time()`: the parsing, the SQLite
library's work, the driver's) does much less, so hosts per CPU second is also reported. With
PostgreSQL the server's own CPU time is not in it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import django_home, machine
from bench.nmap_xml import write
from bench.phishing_launch import load, throwaway_database


def writer_loop(stop: Path) -> None:
    """The other writer: update one row every 50 ms until `stop` exists; print the waits."""
    from django.db import transaction  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from rempart.tenancy.models import Establishment  # noqa: PLC0415

    waits: list[float] = []
    errors: list[str] = []
    while not stop.exists():
        start = time.perf_counter()
        try:
            with transaction.atomic():
                Establishment.objects.filter(slug="ch-bench").update(updated_at=timezone.now())
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        waits.append(time.perf_counter() - start)
        time.sleep(0.05)
    print(json.dumps({"waits": waits, "errors": errors[:5], "failed": len(errors)}))


def import_once(establishment: Any, path: Path) -> dict[str, Any]:
    from rempart.jobs.runner import job_run_inline  # noqa: PLC0415
    from rempart.scanning.services.imports import report_import_request  # noqa: PLC0415

    start, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as upload:
        scan = report_import_request(
            establishment=establishment, upload=upload, filename=path.name, actor=None,
            enqueue=False,
        )  # fmt: skip
    checked = time.perf_counter()
    run = job_run_inline(
        kind="scanning.import", title="bench", establishment=establishment,
        params={"scan_id": scan.pk},
    )  # fmt: skip
    end = time.perf_counter()
    if run.status != "succeeded":
        raise SystemExit(f"import failed: {run.error}")
    return {
        "check": checked - start,
        "job": end - checked,
        "total": end - start,
        "cpu": time.process_time() - cpu,
        **run.result,
    }


def measured(establishment: Any, path: Path, home: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """One import with the other writer running beside it."""
    stop = home / "stop-writer"
    stop.unlink(missing_ok=True)
    other = subprocess.Popen(
        [sys.executable, "-m", "bench.nmap_import", "--writer", str(stop)],
        stdout=subprocess.PIPE,
        env=os.environ.copy(),
    )
    time.sleep(3)  # the writer's Django start-up
    try:
        result = import_once(establishment, path)
    finally:
        stop.touch()
        out, _ = other.communicate(timeout=60)
    return result, json.loads(out.decode().strip().splitlines()[-1])


def row(label: str, hosts: int, size: int, result: dict[str, Any], waits: dict[str, Any]) -> str:
    seconds = result["seconds"]
    times = sorted(waits["waits"])
    p99 = times[int(len(times) * 0.99)] if times else 0.0
    return (
        f"| {label} | {hosts:,} | {size / 2**20:.1f} MiB | {result['total']:.1f} s | "
        f"**{hosts / result['total']:,.0f}** | {result['cpu']:.1f} s | "
        f"{hosts / result['cpu']:,.0f} | {result['check']:.1f} s | "
        f"{seconds['inventory']:.1f} s | {seconds['lifecycle']:.2f} s | "
        f"{seconds['correlation']:.1f} s | {len(times)} | "
        f"{1000 * statistics.median(times):.0f} / {1000 * p99:.0f} / {1000 * times[-1]:.0f} ms | "
        f"{waits['failed']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[6246, 30000])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--writer", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer:
        django_home(Path(os.environ["REMPART_HOME"]), database_url=os.environ.get("DATABASE_URL"))
        writer_loop(args.writer)
        return
    with (
        tempfile.TemporaryDirectory(prefix="rempart-bench-import-") as tmp,
        throwaway_database(args.database_url),
    ):
        home = Path(tmp)
        django_home(home, database_url=args.database_url)
        from django.db import connection  # noqa: PLC0415

        from rempart.scanning.models import Scope  # noqa: PLC0415
        from rempart.tenancy.tests.factories import (  # noqa: PLC0415
            EstablishmentFactory,
            OperatorFactory,
        )

        establishment = EstablishmentFactory(
            operator=OperatorFactory(), name="CH Bench", slug="ch-bench"
        )
        Scope.objects.create(establishment=establishment, name="LAN", targets="10.20.0.0/16")
        print(f"Machine: {machine()}; database: {connection.vendor}; load {load()}")
        print(
            "| run | hosts | report | wall time | hosts/s | CPU time | hosts per CPU second | "
            "check | inventory | lifecycle | correlation | other writes | "
            "their wait median / p99 / max | failed |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for count in args.hosts:
            path = home / f"report-{count}.xml"
            with path.open("w") as out:
                write(out, count)
            for label in ("first import", "again (all known)"):
                result, waits = measured(establishment, path, home)
                print(row(label, count, path.stat().st_size, result, waits), flush=True)
        print(f"Load average after: {load()}")


if __name__ == "__main__":
    main()
