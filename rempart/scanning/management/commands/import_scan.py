"""`rempart import_scan FILE --establishment FINESS`: import an nmap XML report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rempart.core.errors import ApplicationError
from rempart.scanning.management.commands.scan import _establishment
from rempart.scanning.services.imports import report_import


class Command(BaseCommand):
    help = "Import an nmap XML report into an establishment's inventory."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--establishment", help="FINESS ET or URL name (default: own IT).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            scan, summary = report_import(
                establishment=_establishment(options.get("establishment")),
                data=path.read_bytes(),
                filename=path.name,
                actor=None,
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"imported {summary.hosts} hosts and {summary.services} services "
            f"(scan {scan.public_id})"
        )
        if summary.dropped:
            self.stdout.write("ignored (outside the scopes): " + ", ".join(summary.dropped))
