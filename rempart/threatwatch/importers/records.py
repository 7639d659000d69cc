"""Plain records produced by the parsers, and the report of an import.

Parsers never touch the database: they turn the original formats into these dataclasses;
`rempart.threatwatch.services.catalog` writes them. A CVE arrives as a `CveCandidate`
(identifier, source, modification date and content hash, computed cheaply) whose full
`CveRecord` is only built when the catalog does not already hold that content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rempart.threatwatch.problems import IntelError

CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,}$")
# Bumped when a parser changes what it extracts: every record is then rewritten once.
PARSER_VERSION = "2"


class RecordError(ValueError):
    """A record that cannot be imported; the message says why (shown to the operator)."""


def check_cve_id(value: Any) -> str:
    """The CVE identifier, or RecordError when it is not one."""
    text = str(value or "").strip().upper()
    if not CVE_ID.match(text):
        raise RecordError(f"invalid CVE identifier {value!r}")
    return text


def digest(document: Any) -> str:
    """Content hash of a parsed document: the same JSON re-serialized gives the same hash."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(f"{PARSER_VERSION}:{text}".encode(), digest_size=16).hexdigest()


def raw_digest(data: bytes) -> str:
    """Content hash of a document's bytes (one record per file: cheaper than `digest`)."""
    return hashlib.blake2b(PARSER_VERSION.encode() + b":" + data, digest_size=16).hexdigest()


def sources_hash(sources: dict[str, Any]) -> str:
    """Hash of a CVE's `sources` (what each source last said): a bundle's change detector."""
    text = json.dumps(sources, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class RuleRecord:
    """One applicability rule (becomes a `CpeMatch` row)."""

    source: str
    part: str
    vendor: str
    product: str
    version: str = "*"
    update: str = "*"
    start_including: str = ""
    start_excluding: str = ""
    end_including: str = ""
    end_excluding: str = ""
    version_type: str = ""
    running_on: tuple[str, ...] = ()
    criteria: str = ""


@dataclass
class CveRecord:
    """Everything one source says about a CVE."""

    cve_id: str
    source: str  # "nvd", "nvd-override", "cve5" or "bundle"
    state: str = "published"
    title: str = ""
    description: str = ""
    published: dt.datetime | None = None
    last_modified: dt.datetime | None = None
    assigner: str = ""
    cwes: list[str] = field(default_factory=list)
    references: list[dict[str, Any]] = field(default_factory=list)
    cvss: dict[str, tuple[str, float]] = field(default_factory=dict)  # "2"/"3"/"4" → vector, score
    rules: list[RuleRecord] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # bundle only: fields copied as they are
    warnings: list[str] = field(default_factory=list)


@dataclass
class CveCandidate:
    """A CVE document seen in an input, before the (costlier) full parse."""

    cve_id: str
    source: str
    modified: str
    content_hash: str
    origin: str
    build: Callable[[], CveRecord]


@dataclass(frozen=True)
class KevRecord:
    cve_id: str
    vendor_project: str
    product: str
    name: str
    date_added: dt.date
    due_date: dt.date | None
    ransomware: bool
    required_action: str
    notes: str


@dataclass(frozen=True)
class EpssRecord:
    cve_id: str
    epss: float
    percentile: float
    score_date: dt.date


@dataclass
class AdvisoryRecord:
    """A CERT-FR publication; `partial` for an entry of the derived ALE→CVE list only."""

    reference: str
    kind: str
    title: str
    summary: str = ""
    published: dt.datetime | None = None
    last_revision: dt.datetime | None = None
    closed_at: dt.date | None = None
    affected_systems: list[dict[str, Any]] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    url: str = ""
    cve_ids: list[str] = field(default_factory=list)
    content_hash: str = ""
    partial: bool = False


@dataclass
class FileRead:
    """A file an import read (not an archive member): its content hash, size, and the
    catalog sources its documents fed."""

    path: str
    digest: str
    size: int
    sources: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Problem:
    """A bad record or file: where it is, which record, why it was refused (in English;
    `code` and `params` let the pages say it in the reader's language, see `problems.py`)."""

    origin: str
    record: str
    reason: str
    code: str = ""
    params: tuple[tuple[str, Any], ...] = ()
    source: str = ""  # the catalog source whose data it concerns, when known

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"file": self.origin, "record": self.record, "reason": self.reason}
        if self.code:
            found["code"], found["params"] = self.code, dict(self.params)
        return found


@dataclass
class Counts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0  # older than what the catalog holds

    def as_dict(self) -> dict[str, int]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "stale": self.stale,
        }


@dataclass
class ImportReport:
    """Counts per source, problems and the CVEs whose applicability, KEV or EPSS changed."""

    MAX_PROBLEMS = 500

    counts: dict[str, Counts] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[Problem] = field(default_factory=list)
    warning_count: int = 0
    changed_cves: set[str] = field(default_factory=set)
    files: dict[str, dict[str, int]] = field(default_factory=dict)  # file → format → documents
    source: str = ""  # the source of the document being read: its problems are attributed
    problems_by_source: dict[str, int] = field(default_factory=dict)
    # per file read (`path` of an origin `path!member`): its problems; the files to read again
    # next time (a read or size problem), and whether the database refused a write
    problems_by_file: dict[str, int] = field(default_factory=dict)
    unfinished_files: set[str] = field(default_factory=set)
    database_errors: int = 0
    skipped_files: int = 0  # unchanged since their import: not read
    skipped_errors: int = 0  # the errors those files gave at their import

    def of(self, source: str) -> Counts:
        return self.counts.setdefault(source, Counts())

    def problem(
        self,
        origin: str,
        record: str,
        reason: str,
        *,
        error: IntelError | None = None,
        source: str | None = None,
        retry: bool = False,
    ) -> None:
        """Count a problem (`error`: its code and parameters, for the pages), attributed to
        `source` (default: the source of the document being read); `retry`: not the content's
        fault (a read, size or database problem), the file is read again next time."""
        source = self.source if source is None else source
        self.problem_count += 1
        self.problems_by_source[source] = self.problems_by_source.get(source, 0) + 1
        path = origin.split("!", 1)[0]
        self.problems_by_file[path] = self.problems_by_file.get(path, 0) + 1
        if retry:
            self.unfinished_files.add(path)
        if len(self.problems) < self.MAX_PROBLEMS:
            coded = (error.code, tuple(error.params.items())) if error else ("", ())
            self.problems.append(Problem(origin, record, reason, *coded, source))

    def failure(self, origin: str, error: IntelError) -> None:
        """A file or a download refused whole (too large): read again next time."""
        self.problem(origin, "", str(error), error=error, retry=True)

    def warn(self, origin: str, record: str, reason: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < self.MAX_PROBLEMS:
            self.warnings.append(Problem(origin, record, reason))

    def saw(self, origin: str, kind: str) -> None:
        kinds = self.files.setdefault(origin, {})
        kinds[kind] = kinds.get(kind, 0) + 1

    @property
    def changes(self) -> int:
        return sum(c.added + c.updated for c in self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "sources": {name: c.as_dict() for name, c in sorted(self.counts.items())},
            "changes": self.changes,
            "errors": self.problem_count,
            "problems": [p.as_dict() for p in self.problems],
            "warnings": self.warning_count,
            "warning_samples": [p.as_dict() for p in self.warnings[:50]],
            "changed_cves": len(self.changed_cves),
            "files": self.files,
            "skipped_files": self.skipped_files,
            "skipped_errors": self.skipped_errors,
        }
