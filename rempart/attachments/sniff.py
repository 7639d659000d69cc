"""What an uploaded file really is, from its bytes (never from its name or the browser's
claimed type), and a safe name to give it back.

Only the types listed in `SAFE_TYPES` are accepted: documents, images, spreadsheets, e-mail
messages and plain text. Programs, HTML and SVG (which a browser would run) and unknown
binary data are refused. No library is needed for so short a list of signatures, and the
decision stays readable here (libmagic, which Debian has, recognises thousands of types
that evidence never needs and would add a system dependency to every worker).
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from typing import IO

from django.utils.translation import gettext_lazy as _

HEAD_BYTES = 8192
SPACE = 32  # control characters are below
PDF, PNG, JPEG, GIF = "application/pdf", "image/png", "image/jpeg", "image/gif"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
ZIP, EML, TEXT, CSV = "application/zip", "message/rfc822", "text/plain", "text/csv"

SAFE_TYPES: dict[str, str] = {  # type -> extension of the stored file
    PDF: "pdf",
    PNG: "png",
    JPEG: "jpg",
    GIF: "gif",
    DOCX: "docx",
    XLSX: "xlsx",
    PPTX: "pptx",
    ODT: "odt",
    ODS: "ods",
    ODP: "odp",
    ZIP: "zip",
    EML: "eml",
    TEXT: "txt",
    CSV: "csv",
}
LABELS = {
    PDF: _("PDF document"),
    PNG: _("PNG image"),
    JPEG: _("JPEG image"),
    GIF: _("GIF image"),
    DOCX: _("Word document"),
    XLSX: _("Excel spreadsheet"),
    PPTX: _("PowerPoint presentation"),
    ODT: _("OpenDocument text"),
    ODS: _("OpenDocument spreadsheet"),
    ODP: _("OpenDocument presentation"),
    ZIP: _("ZIP archive"),
    EML: _("E-mail message"),
    TEXT: _("Text file"),
    CSV: _("CSV file"),
}
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
)
# Refused with a reason of their own: programs and what a browser would run.
DANGEROUS: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "program"),
    (b"\x7fELF", "program"),
    (b"#!", "program"),
    (b"\xd0\xcf\x11\xe0", "ole"),  # legacy Office (.doc, .xls, .msg): macros
)
ACTIVE_TEXT = re.compile(rb"<\s*(!doctype\s+html|html|script|svg|iframe|body)\b", re.I)
MAIL_HEADER = re.compile(
    rb"^(return-path|received|from|to|subject|date|message-id|mime-version|delivered-to):",
    re.I,
)


class SniffError(Exception):
    """The file is not an accepted type; `reason` is a code (program, active, unknown…)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sniff(stream: IO[bytes], name: str = "") -> str:
    """The content type of `stream` (read from its start; its position is restored)."""
    start = stream.tell()
    head = stream.read(HEAD_BYTES)
    stream.seek(start)
    for magic, reason in DANGEROUS:
        if head.startswith(magic):
            raise SniffError(reason)
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(stream, start)
    return _text_kind(head, name)


def _zip_kind(stream: IO[bytes], start: int) -> str:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            mimetype = (
                archive.read("mimetype").decode("ascii", "replace") if ("mimetype" in names) else ""
            )
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SniffError("corrupt") from exc
    finally:
        stream.seek(start)
    if mimetype in (ODT, ODS, ODP):
        return mimetype
    if "[Content_Types].xml" in names:
        for prefix, content_type in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
            if any(entry.startswith(prefix) for entry in names):
                if any(
                    entry.lower().endswith(".bin") and "vbaproject" in entry.lower()
                    for entry in names
                ):
                    raise SniffError("macros")
                return content_type
    return ZIP


def _text_kind(head: bytes, name: str) -> str:
    if not head or b"\x00" in head:
        raise SniffError("unknown")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            try:
                text = head.decode("cp1252")
            except UnicodeDecodeError:
                raise SniffError("unknown") from exc
        else:
            text = head[: exc.start].decode("utf-8")
    if any(ord(c) < SPACE and c not in "\t\r\n\f" for c in text):
        raise SniffError("unknown")
    if ACTIVE_TEXT.search(head):
        raise SniffError("active")
    if MAIL_HEADER.match(head.lstrip()):
        return EML
    return CSV if name.lower().endswith(".csv") else TEXT


SAFE_CHARACTER = re.compile(r"[^\w .()\-]+")
NAME_MAX = 150


def safe_name(name: str, content_type: str) -> str:
    """A file name safe to show and to offer for download: no folders, no control or
    shell-special characters, no leading dot, at most 150 characters, and an extension
    that matches the real type (a "facture.pdf.exe" that is a PDF becomes a .pdf)."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = SAFE_CHARACTER.sub("_", name).strip(" ._")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = re.sub(r"[\s_]*_[\s_]*", "_", stem).strip(" ._") or "fichier"
    extension = SAFE_TYPES.get(content_type, "bin")
    return f"{stem[: NAME_MAX - len(extension) - 1]}.{extension}"
