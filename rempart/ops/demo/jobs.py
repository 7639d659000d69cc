"""The demo's jobs, run through the jobs app as the CLI runs them (in this process).

Every call into the jobs app is in this module. The catalog snapshot is imported by the
same `threatwatch.import` job as `rempart intel import`; the audit chain is verified by the
same job as the nightly check; and one export really fails (a USB key that is not mounted),
so the jobs page shows what a failure looks like.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.utils import translation

from rempart.jobs.runner import job_run_inline

SNAPSHOT = Path(__file__).resolve().parent / "fixtures" / "catalog-snapshot.tar.gz"
MISSING_USB_KEY = "/media/cle-usb-sonde/catalogue-rempart.tar.gz"


def catalog_import(*, actor: Any, snapshot: Path = SNAPSHOT) -> Any:
    """Import the catalog snapshot shipped with Rempart (files only: no synchronisation)."""
    return job_run_inline(
        kind="threatwatch.import",
        title="Import du catalogue de démonstration (hors ligne)",
        actor=actor,
        params={"paths": [str(snapshot)]},
    )


def audit_verify(*, actor: Any) -> Any:
    return job_run_inline(
        kind="audit.verify", title="Vérification de la chaîne d'audit", actor=actor
    )


def export_to_missing_key(*, actor: Any) -> Any:
    """An export of the catalog for an offline probe to a USB key that is not mounted: the
    job fails, and says why (its expected traceback is kept out of the console)."""
    quiet = logging.getLogger("rempart.jobs.runner")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        with translation.override("fr"):
            return job_run_inline(
                kind="threatwatch.export",
                title="Export du catalogue vers la clé USB de la sonde hors ligne",
                actor=actor,
                params={"path": MISSING_USB_KEY},
            )
    finally:
        quiet.setLevel(level)
