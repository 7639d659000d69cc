"""`rempart backup [--output FILE] [--no-keys]`: a consistent copy of the database and files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rempart.audit.services import audit_record
from rempart.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Write a backup archive (database, files and keys) of this platform."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output", type=Path, help="Archive path (default: in REMPART_HOME/backups)."
        )
        parser.add_argument(
            "--no-keys",
            action="store_true",
            help="Leave the secret and encryption keys out of the archive.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path, manifest = backup_create(
                output=options["output"], include_keys=not options["no_keys"]
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        audit_record(
            actor=None,
            actor_label="cli",
            verb="ops.backup.created",
            changes={"file": path.name, "engine": manifest["engine"]},
        )
        self.stdout.write(self.style.SUCCESS(f"Backup written: {path}"))
        if manifest["keys"]:
            self.stdout.write("It contains the platform's keys: store it as a secret.")
