"""The files `rempart intel import` has read, by content: the same bytes are not read twice.

Each file an import read is recorded at its end (`ImportedFile`, one row per catalog source
the file fed, beside that source's status), with the errors its records gave. The next import
skips a file whose SHA-256 is recorded for the running parser version: reading it again would
change nothing, since every record it holds is already in the catalog, or older.

Not recorded, so read again next time: a file with a read or size problem (a limit may be
raised), a file that held no catalog data, every file of an import during which the database
refused a write (the batch may hold its records). An import in which a bundle changed the
catalog forgets every file recorded (a bundle mirrors another catalog and may have
overwritten what they said).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from rempart.threatwatch.importers.records import PARSER_VERSION, FileRead, ImportReport
from rempart.threatwatch.models import ImportedFile, SourceStatus

CHUNK = 500  # hashes per query
NAME_LENGTH = 500


def imported_file_hashes() -> dict[str, int]:
    """Content hash → errors at its import, of the files read with this parser version."""
    rows = ImportedFile.objects.filter(parser_version=PARSER_VERSION)
    return dict(rows.values_list("content_hash", "errors"))


@transaction.atomic
def imported_files_record(files: Sequence[FileRead], report: ImportReport) -> int:
    """Record the files this import read whole (see the module docstring); how many."""
    bundle = report.counts.get("bundle")
    if bundle is not None and bundle.added + bundle.updated:
        ImportedFile.objects.all().delete()
        return 0
    if report.database_errors:
        return 0
    done = {f.digest: f for f in files if f.sources and f.path not in report.unfinished_files}
    hashes = list(done)
    for start in range(0, len(hashes), CHUNK):
        ImportedFile.objects.filter(content_hash__in=hashes[start : start + CHUNK]).delete()
    sources = {source for f in done.values() for source in f.sources}
    statuses = {name: SourceStatus.objects.get_or_create(source=name)[0] for name in sources}
    now = timezone.now()
    ImportedFile.objects.bulk_create(
        (
            ImportedFile(
                status=statuses[source],
                content_hash=f.digest,
                parser_version=PARSER_VERSION,
                name=f.path[-NAME_LENGTH:],
                size=f.size,
                errors=report.problems_by_file.get(f.path, 0),
                imported_at=now,
            )
            for f in done.values()
            for source in sorted(f.sources)
        ),
        batch_size=CHUNK,
    )
    return len(done)
