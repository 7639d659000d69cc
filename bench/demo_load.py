"""Loading the demo region (goal: a few seconds, so that `make run` starts promptly).

    .venv/bin/python -m bench.demo_load [--runs 3]
        [--database-url postgresql://postgres@127.0.0.1:5432/rempart_bench_demo]

Builds a throw-away data directory (production settings; SQLite in it unless
`--database-url`), creates the operator and its first administrator as `rempart init` does,
then times `demo_load` — the catalog snapshot's import job, 17 nmap reports imported and
correlated, four phishing campaigns, webhooks, decisions and jobs — `--runs` times, each run
rolled back afterwards so that the next one starts from an empty platform again. The first
run pays for imports and template compilation. The load average shows what else the
machine was doing; the CPU time of the loading process (the database server's work on
PostgreSQL excluded) is steadier than the wall time on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import django_home, machine


class _RollBackError(Exception):
    """Raised inside the timing transaction to leave the platform empty again."""


def _one_run() -> tuple[float, float, dict[str, int]]:
    from django.db import transaction  # noqa: PLC0415

    from rempart.ops.demo import demo_load  # noqa: PLC0415
    from rempart.ops.setup import platform_setup  # noqa: PLC0415
    from rempart.phishing.models import Interaction  # noqa: PLC0415
    from rempart.scanning.models import Finding, Scan  # noqa: PLC0415
    from rempart.threatwatch.models import Cve  # noqa: PLC0415

    counts: dict[str, int] = {}
    try:
        with transaction.atomic():
            operator, _issued = platform_setup()
            started, cpu = time.perf_counter(), time.process_time()
            demo_load(operator=operator)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            counts = {
                "CVEs": Cve.objects.count(),
                "scans": Scan.objects.count(),
                "findings": Finding.objects.count(),
                "phishing interactions": Interaction.objects.count(),
            }
            raise _RollBackError
    except _RollBackError:
        pass
    return elapsed, cpu, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        django_home(Path(tmp) / "home", database_url=args.database_url)
        times = []
        for number in range(1, args.runs + 1):
            elapsed, cpu, counts = _one_run()
            times.append(elapsed)
            load = os.getloadavg()[0]
            print(
                f"run {number}: {elapsed:.2f} s wall, {cpu:.2f} s CPU of this process "
                f"(load average {load:.1f}); {counts}"
            )
    print(f"machine: {machine()}")
    print(f"first {times[0]:.2f} s, median {statistics.median(times):.2f} s")


if __name__ == "__main__":
    main()
