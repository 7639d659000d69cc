"""`rempart restore FILE [--force] [--accept-broken-audit]`: restore a backup into an empty
platform."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from rempart.audit.chain import verify_chain
from rempart.audit.services import audit_record
from rempart.ops.archive import ArchiveError
from rempart.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup archive (database, files) into this platform."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="Overwrite a database that already holds data."
        )
        parser.add_argument(
            "--accept-broken-audit",
            action="store_true",
            help="Restore a backup whose audit chain is broken (the acceptance is audited).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup_restore(
                archive=options["archive"],
                force=options["force"],
                accept_broken_audit=options["accept_broken_audit"],
            )
        except (ArchiveError, BackupError) as exc:
            raise CommandError(str(exc)) from exc
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['created_at']} ({manifest['engine']})."
            )
        )
        if not manifest["audit_chain"]["ok"]:
            self._record_acceptance(options["archive"], manifest)
        self._report_chain()
        for name in manifest.get("keys_differ", []):
            self.stderr.write(
                f"Warning: the backup's {name} differs from REMPART_{name.upper()} in effect: "
                "what was encrypted or signed with the archived key stays unreadable until "
                f"REMPART_{name.upper()} is set to it (keys/{name} in the archive)."
            )

    def _record_acceptance(self, archive: Path, manifest: dict[str, Any]) -> None:
        chain = manifest["audit_chain"]
        entry = audit_record(
            actor=None,
            actor_label="cli",
            verb="ops.backup.broken_audit_accepted",
            changes={
                "file": archive.name,
                "backup_created_at": manifest["created_at"],
                "broken_at": chain["broken_at"],
                "problem": chain["problem"],
                "detail": chain["detail"],
            },
        )
        self.stderr.write(
            f"Warning: this backup's audit chain is broken at entry #{chain['broken_at']} "
            f"({chain['reason']}); restored with --accept-broken-audit, recorded as audit "
            f"entry #{entry.seq}."
        )

    def _report_chain(self) -> None:
        report = verify_chain()
        if report.ok:
            self.stdout.write(f"Audit chain: {report.checked} entries, intact.")
            return
        self.stderr.write(
            f"Audit chain: {report.checked} entries, BROKEN at #{report.broken_at}: "
            f"{report.reason}."
        )
