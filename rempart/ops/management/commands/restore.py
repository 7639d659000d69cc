"""`rempart restore FILE [--force]`: restore a backup into an empty platform."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from rempart.audit.chain import verify_chain
from rempart.ops.archive import ArchiveError
from rempart.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup archive (database, files) into this platform."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="Overwrite a database that already holds data."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup_restore(archive=options["archive"], force=options["force"])
        except (ArchiveError, BackupError) as exc:
            raise CommandError(str(exc)) from exc
        call_command("migrate", interactive=False, verbosity=0)
        report = verify_chain()
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['created_at']} ({manifest['engine']})."
            )
        )
        if report.ok:
            self.stdout.write(f"Audit chain: {report.checked} entries, intact.")
        else:
            self.stderr.write(
                f"Audit chain: {report.checked} entries, BROKEN at #{report.broken_at}: "
                f"{report.reason}."
            )
        for name in manifest.get("keys_differ", []):
            self.stderr.write(
                f"Warning: the backup's {name} differs from REMPART_{name.upper()} in effect: "
                "what was encrypted or signed with the archived key stays unreadable until "
                f"REMPART_{name.upper()} is set to it (keys/{name} in the archive)."
            )
