#!/usr/bin/env python3
"""Rebuild the demo region's catalog snapshot from the offline vulnerability corpus.

    .venv/bin/python tools/build_demo_catalog.py [--corpus /work/shared/data/vuln]

The snapshot (`rempart/ops/demo/fixtures/catalog-snapshot.tar.gz`) is a Rempart intel bundle
holding real records only. This script runs the product's own code in a throw-away data
directory: it imports the corpus's hospital-products slice (CVE JSON 5, NVD overrides),
the KEV catalog, EPSS scores and CERT-FR publications with the import pipeline, loads the
demo region against that catalog, keeps the CVEs its findings name plus the recent KEV
entries and CERT-FR publications, and exports them with `export_bundle`. Only this script
reads the corpus; nothing at run or test time does.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "rempart" / "ops" / "demo" / "fixtures" / "catalog-snapshot.tar.gz"
RECENT_KEV_SINCE = "2026-06-01"  # KEV entries added since then are kept (the news of the day)
RECENT_AVIS = 40  # the newest CERT-FR avis of the corpus
ALERTS_SINCE = "CERTFR-2024-ALE"  # CERT-FR alertes from 2024 on


def _setup(home: Path) -> None:
    os.environ.update(
        REMPART_HOME=str(home),
        REMPART_SECRET_KEY="demo-catalog-build-" + "x" * 40,
        REMPART_ENCRYPTION_KEY="demo-catalog-build-" + "y" * 40,
        REMPART_DEMO="false",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django  # noqa: PLC0415

    from config.paths import ensure_home  # noqa: PLC0415

    ensure_home(home)
    django.setup()
    from django.core.management import call_command  # noqa: PLC0415

    call_command("migrate", interactive=False, verbosity=0)


def _epss(corpus: Path, wanted: set[str], into: Path) -> Path:
    """The corpus's EPSS rows of the wanted CVEs, in the daily CSV's own layout."""
    out = into / "epss_scores-demo.csv"
    with gzip.open(corpus / "epss/epss_scores-2026-08-16.reconstructed.csv.gz", "rt") as src:
        lines = [next(src), next(src)]
        lines += [line for line in src if line.split(",", 1)[0] in wanted]
    out.write_text("".join(lines), encoding="utf-8")
    return out


def _recent_certfr(corpus: Path, into: Path) -> Path:
    """The newest CERT-FR avis of the mirror and the recent alertes, as original documents."""
    folder = into / "certfr"
    folder.mkdir()
    archive = corpus / "certfr/certfr-avis-json-certfr-intel-mirror-c337e58d.tar.gz"
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if re.search(r"CERTFR-2026-AVI-\d+", m.name)]
        members.sort(key=lambda m: m.name)
        for member in members[-RECENT_AVIS:]:
            data = tar.extractfile(member)
            if data is not None:
                (folder / Path(member.name).name).write_bytes(data.read())
    for path in sorted((corpus / "certfr/alerte_json").glob("*.json")):
        if path.stem >= ALERTS_SINCE:
            shutil.copy(path, folder / path.name)
    return folder


def _sources(corpus: Path, work: Path) -> list[Path]:
    products = corpus / "products"
    kev = corpus / "kev/known_exploited_vulnerabilities.json"
    wanted = {line.split(",", 1)[0] for line in (products / "index.csv").open()}
    wanted |= set(re.findall(r'"cveID": "(CVE-[\d-]+)"', kev.read_text()))
    return [
        products / "cve5",
        products / "nvd_overrides",
        products / "nvd_api",
        products / "certfr",
        kev,
        _epss(corpus, wanted, work),
        _recent_certfr(corpus, work),
    ]


def _import(paths: list[Path]) -> None:
    from rempart.threatwatch.importers.pipeline import catalog_import_files  # noqa: PLC0415

    result = catalog_import_files(paths)
    print(f"corpus imported: {result['changes']} changes, {result['errors']} errors")


def _demo_cves() -> set[str]:
    """Load the demo region against the full slice; the CVEs its findings name."""
    from rempart.ops.demo import demo_load  # noqa: PLC0415
    from rempart.ops.setup import platform_setup  # noqa: PLC0415
    from rempart.scanning.models import Finding  # noqa: PLC0415

    operator, _issued = platform_setup()
    demo_load(operator=operator, snapshot=None)
    return {cve for cves in Finding.objects.values_list("cves", flat=True) for cve in cves}


def _prune(keep_cves: set[str]) -> None:
    from rempart.threatwatch.models import Advisory, Cve, EpssScore, KevEntry  # noqa: PLC0415

    recent_kev = set(
        KevEntry.objects.filter(date_added__gte=RECENT_KEV_SINCE).values_list("cve_id", flat=True)
    )
    keep = keep_cves | recent_kev
    KevEntry.objects.exclude(cve_id__in=keep).delete()
    EpssScore.objects.exclude(cve_id__in=keep).delete()
    Cve.objects.exclude(cve_id__in=keep).delete()
    cited = Advisory.objects.filter(cve_links__cve_id__in=keep_cves).values("pk")
    newest = Advisory.objects.filter(kind="avis").order_by("-published").values("pk")
    alerts = Advisory.objects.filter(kind="alerte", reference__gte=ALERTS_SINCE).values("pk")
    kept = {row["pk"] for query in (cited, newest[:RECENT_AVIS], alerts) for row in query}
    Advisory.objects.exclude(pk__in=kept).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/work/shared/data/vuln"))
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        _setup(work / "home")
        _import(_sources(args.corpus, work))
        cves = _demo_cves()
        print(f"the demo's findings name {len(cves)} CVEs")
        _prune(cves)
        from rempart.threatwatch.importers.bundle import export_bundle  # noqa: PLC0415

        counts = export_bundle(args.output, progress=lambda _n: None)
    size = args.output.stat().st_size
    print(f"{args.output}: {counts}, {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
