"""Import of the whole offline vulnerability corpus, then an incremental re-import of the same
data (goals: full import under 5 minutes and under 1 GiB; the re-import near zero work).

    .venv/bin/python -m bench.intel_import [--corpus /work/shared/data/vuln]
        [--database-url postgresql://postgres@127.0.0.1:5432/rempart_bench_intel]

Builds a throw-away data directory (production settings; SQLite in it unless
`--database-url`), then runs the `threatwatch.import` job — what `rempart intel import` runs
— on every data file of the corpus (CVE JSON 5 tarballs, cveawg captures, anchore overrides,
NVD samples, KEV JSON/CSV/history, EPSS CSV/EMBA/API, CERT-FR avis/alertes/ALE list, the
`products` slice), twice. Reports wall time, peak memory (`ru_maxrss`, and the kernel's
VmHWM), CPU time (user + system of the process: what the import costs, whatever else the
machine runs) and the catalog's counts; the load average shows what else the machine was
doing.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import django_home, machine

# Every data file of the corpus (directories are read recursively); the README, MANIFEST,
# LICENSES, the KEV JSON Schema and products/index.csv hold no importable data.
CORPUS_PATHS = [
    "cve5/full_extra/vulnrichment-65bf7b3d-cve1999-2023.tar.gz",
    "cve5/full/vulnrichment-65bf7b3d-cve2024-2025.tar.gz",
    "cve5/cveawg_api_2025/cveawg-api-cve-records-td2025-teacher.tar.gz",
    "cve5/cveawg_api_2025/cveawg-api-cve-records-td2025-student.tar.gz",
    "nvd/anchore-nvd-data-overrides-29c755f5.tar.gz",
    "nvd/api-2.0-samples",
    "kev/history",
    "kev/known_exploited_vulnerabilities.csv",
    "kev/known_exploited_vulnerabilities.json",
    "epss/epss_scores-2026-08-16.reconstructed.csv.gz",
    "epss/emba-EPSS-data-346ef2e1.tar.gz",
    "epss/first-api-epss-responses-td2025.tar.gz",
    "epss/samples/vunnel-example-1.csv",
    "certfr/certfr-avis-json-certfr-intel-mirror-c337e58d.tar.gz",
    "certfr/alerte_json",
    "certfr/cert-fr-ale_with_cves-tarraschk-f5b27d21.json",
    "products/cve5",
    "products/nvd_overrides",
    "products/nvd_api",
    "products/certfr",
    "products/epss_products.csv.gz",
]


def peak_mib() -> tuple[float, float]:
    """Peak resident memory of this process: getrusage, and /proc's VmHWM."""
    rusage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    hwm = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) / 1024
    return rusage, hwm


def run_import(paths: list[str], title: str) -> tuple[float, float, dict[str, Any]]:
    """Wall time, CPU time of this process (user + system: what the import costs whatever
    else the machine runs) and the job's result."""
    from rempart.jobs.runner import job_run_inline  # noqa: PLC0415

    start, cpu = time.perf_counter(), time.process_time()
    run = job_run_inline(kind="threatwatch.import", title=title, params={"paths": paths})
    elapsed, used = time.perf_counter() - start, time.process_time() - cpu
    if run.status != "succeeded":
        raise SystemExit(f"import failed: {run.error}")
    return elapsed, used, run.result


def catalog_counts() -> dict[str, int]:
    from rempart.threatwatch.models import (  # noqa: PLC0415
        Advisory,
        AdvisoryCve,
        CpeMatch,
        Cve,
        EpssScore,
        KevEntry,
    )

    return {
        "CVEs": Cve.objects.count(),
        "rules": CpeMatch.objects.count(),
        "KEV": KevEntry.objects.count(),
        "EPSS": EpssScore.objects.count(),
        "CERT-FR": Advisory.objects.count(),
        "CERT-FR→CVE": AdvisoryCve.objects.count(),
    }


def summary(label: str, elapsed: float, cpu: float, result: dict[str, Any]) -> str:
    sources = ", ".join(
        f"{name} +{c['added']} ~{c['updated']} ={c['unchanged']} stale {c['stale']}"
        for name, c in result["sources"].items()
    )
    skipped = f"{result.get('skipped_files', 0)} files skipped"
    return (
        f"| {label} | {elapsed:.1f} s | {cpu:.1f} s | {result['changes']} | {result['errors']} | "
        f"{result['warnings']} | {sources or skipped} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="/work/shared/data/vuln")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    paths = [str(Path(args.corpus) / p) for p in CORPUS_PATHS]
    with tempfile.TemporaryDirectory(prefix="rempart-bench-intel-") as tmp:
        django_home(Path(tmp), database_url=args.database_url)
        from django.db import connection  # noqa: PLC0415

        print(f"Machine: {machine()}; database: {connection.vendor}")
        print(f"Load average before: {os.getloadavg()}")
        full, full_cpu, first = run_import(paths, "bench: full import")
        after_full = peak_mib()
        counts = catalog_counts()
        print(f"Load average after the full import: {os.getloadavg()}", flush=True)
        again, again_cpu, second = run_import(paths, "bench: re-import")
        print(f"Load average after: {os.getloadavg()}")
        print("| run | wall time | CPU time | changes | errors | warnings | per source |")
        print("|---|---:|---:|---:|---:|---:|---|")
        print(summary("full import", full, full_cpu, first))
        print(summary("re-import", again, again_cpu, second))
        print(
            f"Peak memory after the full import: ru_maxrss {after_full[0]:.0f} MiB, "
            f"VmHWM {after_full[1]:.0f} MiB; at the end: {peak_mib()[0]:.0f} MiB"
        )
        print("Catalog: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        print(f"First errors: {[p['reason'][:80] for p in first['problems'][:5]]}")


if __name__ == "__main__":
    main()
