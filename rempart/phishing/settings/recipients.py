"""Recipients: the CSV import of a staff directory into a group, with a preview.

A CSV export of a staff directory (Excel in French writes `;` and Windows-1252; HR tools
write `,` and UTF-8 with or without BOM) is read with its own delimiter and encoding. Each
line is checked: a valid e-mail address, in one of the establishment's verified domains,
once in the file. The preview lists the problems with their line numbers; the import writes
the good lines in one transaction (new recipients created, known ones updated) and leaves the
others out, so a bad line never blocks the group and nothing is half-written.

The uploaded file waits between its preview and the import in a file of the data directory,
named by a random id and removed after an hour.
"""

from __future__ import annotations

import codecs
import csv
import io
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rempart.audit.services import audit_record
from rempart.core.errors import ApplicationError
from rempart.phishing.models import Recipient, RecipientGroup
from rempart.phishing.settings.services import verified_domains

MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
FIELDS = ("email", "first_name", "last_name", "department", "job_family")
# Header names accepted for each field (compared lower-cased, spaces, dashes and underscores
# removed, accents kept): French first, as directories here are.
HEADERS = {
    "email": ("courriel", "email", "mail", "adressemail", "adresseemail", "emailaddress"),
    "first_name": ("prénom", "prenom", "firstname", "givenname"),
    "last_name": ("nom", "nomdefamille", "lastname", "surname", "familyname"),
    "department": ("service", "département", "departement", "pôle", "pole", "unité", "department"),
    "job_family": ("fonction", "métier", "metier", "famillemétier", "poste", "jobfamily", "title"),
}
FIELD_TITLES = {
    "email": gettext_lazy("E-mail address"),
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "department": gettext_lazy("Department or service"),
    "job_family": gettext_lazy("Job family"),
}
LIMITS = {"first_name": 150, "last_name": 150, "department": 200, "job_family": 200}
MIXED_LINES_SHOWN = 20  # line numbers named when a file mixes encodings
UPLOAD_MAX_AGE = 3600
UPLOAD_DIR = "phishing-imports"
UPLOAD_ID_LENGTH = 32  # secrets.token_hex(16)


class RecipientCsvError(ApplicationError):
    """The file as a whole cannot be read (encoding, size, no e-mail column)."""


@dataclass(frozen=True)
class CsvLine:
    line: int
    email: str
    first_name: str = ""
    last_name: str = ""
    department: str = ""
    job_family: str = ""


@dataclass(frozen=True)
class CsvProblem:
    line: int
    message: str


@dataclass
class CsvPreview:
    columns: dict[str, str]  # field → the file's header
    lines: list[CsvLine] = field(default_factory=list)
    problems: list[CsvProblem] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def column_titles(self) -> list[tuple[str, str]]:
        """(the file's header, what it is read as), in the reader's language."""
        return [(header, str(FIELD_TITLES[name])) for name, header in self.columns.items()]


def recipients_csv_preview(*, group: RecipientGroup, data: bytes) -> CsvPreview:
    """What importing `data` into `group` would do, line by line; writes nothing."""
    text = _decode(data)
    reader = csv.reader(io.StringIO(text), dialect=_dialect(text), strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise RecipientCsvError(_("The file is empty.")) from exc
    columns = _columns(header)
    preview = CsvPreview(columns={name: header[index] for name, index in columns.items()})
    domains = verified_domains(establishment=group.establishment)
    first_seen: dict[str, int] = {}
    try:
        for row in reader:
            if reader.line_num > MAX_ROWS + 1:
                raise RecipientCsvError(
                    _("More than %(count)d lines: split the file.") % {"count": MAX_ROWS}
                )
            _check_row(
                preview, reader.line_num, row=row, columns=columns, domains=domains, seen=first_seen
            )
    except csv.Error as exc:
        raise RecipientCsvError(
            _("Line %(line)d cannot be read: %(reason)s") % {"line": reader.line_num, "reason": exc}
        ) from exc
    _count_changes(preview, group)
    return preview


def recipients_csv_import(
    *, group: RecipientGroup, data: bytes, actor: Any, ip_address: str | None = None
) -> CsvPreview:
    """Import the good lines of `data` into `group`, in one transaction; returns the preview
    of what was done (the problem lines were left out)."""
    preview = recipients_csv_preview(group=group, data=data)
    with transaction.atomic():
        known = {r.email: r for r in _group_recipients(group)}
        new, changed = [], []
        for line in preview.lines:
            values = {name: getattr(line, name) for name in FIELDS[1:]}
            recipient = known.get(line.email)
            if recipient is None:
                new.append(
                    Recipient(
                        establishment=group.establishment, group=group, email=line.email, **values
                    )
                )
            elif any(getattr(recipient, k) != v for k, v in values.items()):
                for name, value in values.items():
                    setattr(recipient, name, value)
                changed.append(recipient)
        Recipient.objects.bulk_create(new, batch_size=1000)
        Recipient.objects.bulk_update(changed, list(FIELDS[1:]), batch_size=1000)
        audit_record(
            actor=actor,
            verb="phishing.recipients.imported",
            target=group,
            establishment=group.establishment,
            changes={
                "created": len(new),
                "updated": len(changed),
                "refused_lines": [p.line for p in preview.problems][:100],
            },
            ip_address=ip_address,
        )
    return preview


def _decode(data: bytes) -> str:
    if len(data) > MAX_CSV_BYTES:
        raise RecipientCsvError(
            _("The file is larger than %(size)d MiB.") % {"size": MAX_CSV_BYTES // 2**20}
        )
    if b"\x00" in data[:4096]:
        raise RecipientCsvError(_("This is not a CSV text file (UTF-16 or binary content)."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        _refuse_mixed_encodings(data)
        return data.decode("cp1252", errors="replace")  # Excel's "CSV (séparateur : ;)"


def _refuse_mixed_encodings(data: bytes) -> None:
    """A UTF-8 file with a few lines in another encoding (pasted from an Excel export) must
    not be read whole as Windows-1252: every accent of its UTF-8 lines would be garbled
    ("DuprÃ©") and its "Prénom" header missed. UTF-8 is told by a BOM or by a line whose
    non-ASCII bytes are valid UTF-8 (Windows-1252 text almost never is)."""
    utf8 = data.startswith(codecs.BOM_UTF8)
    others = []
    for number, line in enumerate(data.removeprefix(codecs.BOM_UTF8).split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            others.append(number)
        else:
            utf8 = utf8 or not line.isascii()
    if utf8 and others:
        shown = ", ".join(str(number) for number in others[:MIXED_LINES_SHOWN])
        if len(others) > MIXED_LINES_SHOWN:
            shown += " …"
        raise RecipientCsvError(
            ngettext(
                "The file mixes two encodings: line %(lines)s is not in UTF-8, unlike the rest "
                "of the file (it was probably pasted from a Windows-1252 export). Nothing was "
                "imported: save the whole file again in one encoding (UTF-8, or Excel's “CSV "
                "(semicolon separated)”).",
                "The file mixes two encodings: lines %(lines)s are not in UTF-8, unlike the "
                "rest of the file (they were probably pasted from a Windows-1252 export). "
                "Nothing was imported: save the whole file again in one encoding (UTF-8, or "
                "Excel's “CSV (semicolon separated)”).",
                len(others),
            )
            % {"lines": shown}
        )


def _dialect(text: str) -> type[csv.Dialect] | str:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        return "excel"


def _key(header: str) -> str:
    return "".join(ch for ch in header.strip().lower() if ch not in " -_.'\u2019")


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        for name, accepted in HEADERS.items():
            if _key(title) in accepted and name not in columns:
                columns[name] = index
    if "email" not in columns:
        raise RecipientCsvError(
            _("No e-mail column in the first line (expected one of: %(names)s).")
            % {"names": ", ".join(HEADERS["email"])}
        )
    return columns


def _check_row(
    preview: CsvPreview,
    number: int,
    *,
    row: list[str],
    columns: dict[str, int],
    domains: set[str],
    seen: dict[str, int],
) -> None:
    if not any(cell.strip() for cell in row):
        return
    values = {name: (row[i].strip() if i < len(row) else "") for name, i in columns.items()}
    email = values.get("email", "").lower()  # directories write Lea.Durand@…: one person
    problem = _email_problem(email, email.rpartition("@")[2], domains, seen)
    too_long = [name for name, limit in LIMITS.items() if len(values.get(name, "")) > limit]
    if problem is None and too_long:
        problem = _("%(field)s is too long.") % {"field": too_long[0]}
    if problem is not None:
        preview.problems.append(CsvProblem(number, problem))
        return
    seen[email] = number
    preview.lines.append(
        CsvLine(
            number,
            email,
            first_name=values.get("first_name", ""),
            last_name=values.get("last_name", ""),
            department=values.get("department", ""),
            job_family=values.get("job_family", ""),
        )
    )


def _email_problem(
    email: str, domain: str, domains: set[str], first_seen: dict[str, int]
) -> str | None:
    if not email:
        return _("No e-mail address.")
    try:
        validate_email(email)
    except ValidationError:
        return _("“%(email)s” is not a valid e-mail address.") % {"email": email[:100]}
    if domain not in domains:
        return _(
            "“%(domain)s” is not a verified domain of the establishment: nobody there can be "
            "sent a simulation."
        ) % {"domain": domain[:100]}
    if email in first_seen:
        return _("Same address as line %(line)d.") % {"line": first_seen[email]}
    return None


def _count_changes(preview: CsvPreview, group: RecipientGroup) -> None:
    known = {row[0]: row[1:] for row in _group_recipients(group).values_list("email", *FIELDS[1:])}
    for line in preview.lines:
        stored = known.get(line.email)
        if stored is None:
            preview.new += 1
        elif tuple(getattr(line, name) for name in FIELDS[1:]) != stored:
            preview.updated += 1
        else:
            preview.unchanged += 1


def _group_recipients(group: RecipientGroup) -> Any:
    return Recipient.objects.for_establishment(group.establishment).filter(group=group)


# Uploaded directories between preview and import -------------------------------------------


def _upload_dir() -> Path:
    path = Path(settings.HOME) / "tmp" / UPLOAD_DIR
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _upload_path(upload_id: str) -> Path:
    if len(upload_id) != UPLOAD_ID_LENGTH or any(ch not in "0123456789abcdef" for ch in upload_id):
        raise ApplicationError(_("The uploaded file has expired: upload it again."))
    return _upload_dir() / upload_id


def upload_purge(*, max_age: int = UPLOAD_MAX_AGE) -> int:
    """Remove uploads older than `max_age` seconds; returns how many."""
    limit, removed = time.time() - max_age, 0
    for path in _upload_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def upload_store(data: bytes) -> str:
    """Keep `data` until the import is confirmed; returns its random id."""
    upload_purge()
    upload_id = secrets.token_hex(16)
    path = _upload_path(upload_id)
    path.write_bytes(data)
    path.chmod(0o600)
    return upload_id


def upload_load(upload_id: str) -> bytes:
    """The bytes of an upload younger than an hour."""
    path = _upload_path(upload_id)
    try:
        if path.stat().st_mtime < time.time() - UPLOAD_MAX_AGE:
            path.unlink(missing_ok=True)
            raise ApplicationError(_("The uploaded file has expired: upload it again."))
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ApplicationError(_("The uploaded file has expired: upload it again.")) from exc


def upload_discard(upload_id: str) -> None:
    try:
        _upload_path(upload_id).unlink(missing_ok=True)
    except ApplicationError:
        return
