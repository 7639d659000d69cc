"""An import run: documents → format detection → parser → catalog writer (in batches).

`CatalogImport.import_paths()` serves `rempart intel import`; the synchronisation feeds the
documents it downloads through `feed_payload()` / `feed_document()`. Bad records and files are
reported (file, record, reason) and every good record is kept.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rempart.threatwatch.importers import bundle, certfr, cve5, epss, kev, nvd
from rempart.threatwatch.importers.detect import (
    FORMATS,
    Detected,
    InvalidDocumentError,
    UnsupportedError,
    detect,
)
from rempart.threatwatch.importers.reading import (
    Document,
    ReadError,
    Refused,
    TooLargeError,
    file_digest,
    files_of,
    iter_documents,
    path_size,
)
from rempart.threatwatch.importers.records import (
    FileRead,
    ImportReport,
    Problem,
    RecordError,
    raw_digest,
)
from rempart.threatwatch.problems import IntelError
from rempart.threatwatch.services.catalog import CatalogWriter, source_status_record
from rempart.threatwatch.services.catalog_files import imported_file_hashes, imported_files_record
from rempart.threatwatch.services.pending import pending_correlation_run

Progress = Callable[[int, int], None]
CVE_NAME = re.compile(r"CVE-\d{4}-\d{4,}")
CHECK_EVERY = 500  # documents between two cancellation checks
BATCH_SIZE = 500  # CVE records per transaction
UNCHANGED = "unchanged since its import (skipped)"  # a file's "format" in the report


class CatalogImport:
    """One import or sync run: parses what it is fed and writes it in batches."""

    def __init__(
        self,
        *,
        report: ImportReport | None = None,
        batch_size: int = BATCH_SIZE,
        check_cancelled: Callable[[], None] | None = None,
        imported: Mapping[str, int] | None = None,
    ) -> None:
        self.report = report or ImportReport()
        self.writer = CatalogWriter(self.report, batch_size=batch_size)
        self.check_cancelled = check_cancelled or (lambda: None)
        self.documents = 0
        # content hash → errors at their import, of the files not to read again
        self.imported: Mapping[str, int] = imported or {}
        self.files: list[FileRead] = []  # the files read, for `imported_files_record`
        self._file: FileRead | None = None

    # --- files ------------------------------------------------------------------------------

    def import_paths(self, paths: Sequence[Path], progress: Progress | None = None) -> ImportReport:
        total = sum(path_size(p) for p in paths if p.exists())
        done = [0, 0.0]

        def on_read(count: int) -> None:
            done[0] += count
            if progress and time.monotonic() - done[1] > 0.2:  # noqa: PLR2004
                done[1] = time.monotonic()
                progress(int(done[0]), total)

        for path in paths:
            self.import_path(path, on_read)
        self.finish()
        if progress:
            progress(total, total)
        return self.report

    def import_path(self, path: Path, on_read: Callable[[int], None]) -> None:
        """A file, or each file of a directory; a file whose bytes were imported before is
        skipped unread."""
        top = str(path)
        if not path.exists():
            self.report.problem(top, "", "no such file or directory")
            return
        try:
            for file in files_of(path):
                self._import_file(file, top, on_read)
        except ReadError as exc:
            self._unreadable(top, exc)
        if top not in self.report.files and not any(
            p.origin.startswith(top) for p in self.report.problems
        ):
            self.report.problem(top, "", "no vulnerability data found")

    def _import_file(self, file: Path, top: str, on_read: Callable[[int], None]) -> None:
        try:
            digest, size = file_digest(file)
        except ReadError as exc:
            self._unreadable(str(file), exc)
            return
        if digest in self.imported:
            self.report.saw(top, UNCHANGED)
            self.report.skipped_files += 1
            self.report.skipped_errors += self.imported[digest]
            on_read(size)
            return
        self._file = FileRead(str(file), digest, size)
        self.files.append(self._file)
        try:
            for item in iter_documents(file, on_read):
                if isinstance(item, Refused):
                    self.report.failure(item.error.origin, item.error)
                else:
                    self.feed_document(item, top=top)
        except TooLargeError as exc:
            self.report.failure(exc.origin, exc)
        except ReadError as exc:
            self._unreadable(str(file), exc)
        finally:
            self._file = None

    def _unreadable(self, origin: str, exc: BaseException) -> None:
        reason = f"unreadable or truncated: {type(exc).__name__}: {exc}"
        self.report.problem(origin, "", reason, retry=True)

    def feed_document(self, document: Document, *, top: str) -> None:
        """Detect the format of one document and hand it to its parser."""
        self.documents += 1
        if self.documents % CHECK_EVERY == 0:
            self.check_cancelled()
        try:
            detected = detect(document)
        except TooLargeError as exc:
            self.report.failure(exc.origin, exc)
            return
        except UnsupportedError as exc:
            self._unsupported(document, top, str(exc))
            return
        except InvalidDocumentError as exc:
            self.report.problem(document.origin, _record_name(document.origin), str(exc))
            return
        self.report.saw(top, FORMATS[detected.kind])
        self._handle(detected, document)

    def _handle(self, detected: Detected, document: Document) -> None:
        """Parse a document; its problems are attributed to its source."""
        outer, self.report.source = self.report.source, SOURCE_OF[detected.kind]
        if self._file is not None:
            self._file.sources.add(self.report.source)
        try:
            HANDLERS[detected.kind](self, detected, document)
        except TooLargeError as exc:  # a line of a streamed document
            self.report.failure(exc.origin, exc)
        finally:
            self.report.source = outer

    def _unsupported(self, document: Document, top: str, reason: str) -> None:
        if document.origin == top:
            self.report.problem(top, "", f"refused: {reason}")
        elif document.first_char() in (b"{", b"["):
            self.report.problem(document.origin, "", f"refused: {reason}")
        else:  # README, LICENSE… next to the data in an archive or a directory
            self.report.warn(document.origin, "", f"skipped: {reason}")

    # --- parsed payloads (also used by the synchronisation) --------------------------------

    def feed_payload(self, kind: str, payload: Any, origin: str) -> None:
        self._handle(Detected(kind, payload), _NoDocument(origin))

    def add_items(self, kind: str, items: Iterable[Any]) -> None:
        for item in items:
            if isinstance(item, Problem):
                self.report.problem(item.origin, item.record, item.reason)
            else:
                self.writer.add(kind, item)

    def add_kev(self, items: Iterable[Any], version: str, origin: str) -> None:
        """A KEV catalog; a CSV's version is the date of its newest entry (`2025.08.25`). A
        catalog whose version is not a date is refused whole."""
        records = []
        for item in items:
            if isinstance(item, Problem):
                self.report.problem(item.origin, item.record, item.reason)
            else:
                records.append(item)
        if not records:
            return
        newest = max(r.date_added for r in records).strftime("%Y.%m.%d")
        try:
            checked = kev.catalog_version(version or newest)
        except RecordError as exc:
            coded = IntelError("kev_version", origin=origin, value=repr(version[:40]))
            self.report.problem(origin, "", f"{origin}: {exc}", error=coded)
            return
        self.writer.write_kev(records, checked)

    def add_cves(
        self, make: Callable[[Any, str], Any], documents: Iterable[Any], origin: str
    ) -> None:
        for index, document in enumerate(documents):
            try:
                self.writer.add("cve", make(document, origin))
            except (RecordError, KeyError, TypeError, AttributeError) as exc:
                name = _document_id(document) or _record_name(origin) or f"entry {index}"
                self.report.problem(origin, name, str(exc))

    def finish(self) -> ImportReport:
        self.writer.flush()
        return self.report


class _NoDocument(Document):
    """The origin of a payload that did not come from a file (a downloaded answer)."""

    def __init__(self, origin: str) -> None:
        super().__init__(origin, None, 0.0)  # type: ignore[arg-type]  # never read


def _hashed(make: Callable[..., Any], document: Document) -> Callable[[Any, str], Any]:
    """A one-record file is hashed on its bytes (cheaper than re-serialising the JSON)."""
    content_hash = raw_digest(document.raw) if document.raw else None
    return lambda payload, origin: make(payload, origin, content_hash=content_hash)


def _document_id(document: Any) -> str:
    """The CVE a bad document claims to be, for the report (not validated)."""
    if not isinstance(document, dict):
        return ""
    for holder, key in (
        (document, "id"),
        (document.get("cveMetadata"), "cveId"),
        (document.get("_annotation"), "cve_id"),
    ):
        if isinstance(holder, dict) and holder.get(key):
            return str(holder[key])[:40]
    return ""


def _record_name(origin: str) -> str:
    found = CVE_NAME.findall(origin)
    return found[-1] if found else ""


# --- one handler per format ---------------------------------------------------------------------

Handler = Callable[[CatalogImport, Detected, Document], None]


def _nvd_page(run: CatalogImport, detected: Detected, document: Document) -> None:
    try:
        items = nvd.page_cves(detected.payload)
    except RecordError as exc:
        run.report.problem(document.origin, "", str(exc))
        return
    run.add_cves(nvd.candidate, items, document.origin)


def _cve5_error(run: CatalogImport, detected: Detected, document: Document) -> None:
    body = detected.payload
    run.report.problem(
        document.origin,
        _record_name(document.origin),
        f"CVE Services error {body.get('error')}: {body.get('message', '')}",
    )


def _certfr(run: CatalogImport, detected: Detected, document: Document) -> None:
    warnings: list[str] = []
    reference = str(detected.payload.get("reference"))
    try:
        record = certfr.document_record(detected.payload, warnings)
    except (RecordError, KeyError, TypeError, AttributeError) as exc:
        run.report.problem(document.origin, reference, str(exc))
        return
    for warning in warnings:
        run.report.warn(document.origin, reference, warning)
    run.writer.add("advisory", record)


def _bundle(run: CatalogImport, detected: Detected, document: Document) -> None:
    header: dict[str, Any] = {}
    kev_records = []
    for item in bundle.read(document.lines(), document.origin):
        if isinstance(item, Problem):
            run.report.problem(item.origin, item.record, item.reason)
        elif item[0] == "header":
            header = item[1]
        elif item[0] == "kev":
            kev_records.append(item[1])
        else:
            run.writer.add(item[0], item[1])
    run.add_kev(kev_records, str(header.get("kev_version") or ""), document.origin)


HANDLERS: dict[str, Handler] = {
    "nvd-page": _nvd_page,
    "nvd-cve": lambda run, d, doc: run.add_cves(nvd.candidate, [d.payload], doc.origin),
    "nvd-wrapped": lambda run, d, doc: run.add_cves(nvd.candidate, [d.payload["cve"]], doc.origin),
    "nvd-override": lambda run, d, doc: run.add_cves(
        _hashed(nvd.override_candidate, doc), [d.payload], doc.origin
    ),
    "cve5": lambda run, d, doc: run.add_cves(_hashed(cve5.candidate, doc), [d.payload], doc.origin),
    "cve5-error": _cve5_error,
    "kev-json": lambda run, d, doc: run.add_kev(
        kev.from_json(d.payload, doc.origin), str(d.payload.get("catalogVersion")), doc.origin
    ),
    "kev-csv": lambda run, d, doc: run.add_kev(
        kev.from_csv(doc.lines(), doc.origin), "", doc.origin
    ),
    "epss-csv": lambda run, d, doc: run.add_items("epss", epss.from_csv(doc.lines(), doc.origin)),
    "epss-emba": lambda run, d, doc: run.add_items(
        "epss", epss.from_emba(doc.lines(), doc.origin, doc.mtime)
    ),
    "epss-api": lambda run, d, doc: run.add_items("epss", epss.from_api(d.payload, doc.origin)),
    "certfr": _certfr,
    "certfr-ale-list": lambda run, d, doc: run.add_items(
        "advisory", certfr.alert_list(d.payload, doc.origin)
    ),
    "bundle": _bundle,
}


# The catalog source each format's records belong to (`SourceStatus.source`).
SOURCE_OF = {
    "nvd-page": "nvd",
    "nvd-cve": "nvd",
    "nvd-wrapped": "nvd",
    "nvd-override": "nvd-override",
    "cve5": "cve5",
    "cve5-error": "cve5",
    "kev-json": "kev",
    "kev-csv": "kev",
    "epss-csv": "epss",
    "epss-emba": "epss",
    "epss-api": "epss",
    "certfr": "certfr",
    "certfr-ale-list": "certfr",
    "bundle": "bundle",
}


def catalog_import_files(
    paths: Sequence[Path],
    *,
    progress: Progress | None = None,
    check_cancelled: Callable[[], None] | None = None,
    batch_size: int = BATCH_SIZE,
    force: bool = False,
) -> dict[str, Any]:
    """`rempart intel import`: import the files (those imported before are skipped unless
    `force`), note each source's run and the files read, then correlate the inventory with
    the CVEs whose rules, KEV flag or EPSS changed."""
    run = CatalogImport(
        check_cancelled=check_cancelled,
        batch_size=batch_size,
        imported=None if force else imported_file_hashes(),
    )
    report = run.import_paths(paths, progress)
    for source in report.counts:
        source_status_record(source=source, report=report)
    imported_files_record(run.files, report)
    result = report.as_dict()
    result["refused"] = [str(p) for p in paths if str(p) not in report.files]
    result["correlation"] = pending_correlation_run()
    return result
