"""Reading inputs as a stream of documents: files, directories, gzip files, tarballs, zips.

Compression and archives are recognised from the bytes (gzip magic, `ustar` header, zip
local header), not from the file name. Tarballs are read as streams (`tarfile` "r|…"
mode): one member at a time, never the whole archive in memory. Bytes read from the disk
are counted for progress.

Sizes are capped (`ReadLimits`, `REMPART_INTEL_MAX_*`), so that a hostile or broken input
costs neither the memory nor the hours it asks for: a document read whole (a JSON record, a
page, a catalog) and each line of a streamed one (CSV, JSON Lines) at most `document`
bytes; a file or an archive member, decompressed, at most `file` bytes. The decompressed
size is checked before anything of the file is handed to a parser (the tar and zip headers
say it; a streamed gzip file is decompressed once to count, a gzip JSON document stops at
the document limit): a file over the limit is refused whole, never half-imported.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import environ

from rempart.threatwatch.problems import IntelError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
HEAD_SIZE = 65536
MB = 1 << 20
ReadError = (
    OSError,
    EOFError,
    tarfile.TarError,
    zipfile.BadZipFile,
    zlib.error,
    UnicodeDecodeError,
)
_env = environ.Env()


@dataclass(frozen=True)
class ReadLimits:
    document: int = 256 * MB  # a document read whole, or one line of a streamed one
    file: int = 2048 * MB  # a file or an archive member, decompressed


def read_limits() -> ReadLimits:
    """Read at each run (no restart of the workers after a change)."""
    return ReadLimits(
        document=_env.int("REMPART_INTEL_MAX_DOCUMENT_MB", default=256) * MB,
        file=_env.int("REMPART_INTEL_MAX_FILE_MB", default=2048) * MB,
    )


class TooLargeError(IntelError):
    """A document, a line or a file over its limit (`what`: document, line, file, download)."""

    def __init__(self, origin: str, limit: int, what: str) -> None:
        super().__init__("too_large", origin=origin, limit_mb=limit // MB, what=what)
        self.origin = origin


class CountingReader(io.RawIOBase):
    """A read-only binary stream that reports how many bytes were read so far."""

    def __init__(self, raw: IO[bytes], on_read: Callable[[int], None]) -> None:
        self.raw = raw
        self.on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.on_read(len(data))
        return len(data)


@dataclass
class Document:
    """One file or archive member, decompressed, read lazily within the limits."""

    origin: str  # `path` or `path!member`
    stream: IO[bytes]
    mtime: float
    _head: bytes | None = None
    raw: bytes | None = None  # the bytes of a JSON document, once read
    size: int | None = None  # decompressed size, when known before reading
    limits: ReadLimits = field(default_factory=ReadLimits)
    measure: Callable[[], int | None] | None = None  # counts the size (gzip), None if over

    def head(self) -> bytes:
        """The first bytes, kept for the later reads (`json()`, `lines()`)."""
        if self._head is None:
            self._head = self.stream.read(HEAD_SIZE)
        return self._head

    def first_char(self) -> bytes:
        return self.head().lstrip(b"\xef\xbb\xbf \t\r\n")[:1]

    def json(self) -> Any:
        """The whole document parsed as JSON (ValueError when it is not valid JSON,
        TooLargeError past the document limit, before it is read)."""
        limit = self.limits.document
        if self.size is not None and self.size > limit:
            raise TooLargeError(self.origin, limit, "document")
        parts, total = [self.head()], len(self.head())
        while chunk := self.stream.read(1 << 20):
            total += len(chunk)
            if total > limit:
                raise TooLargeError(self.origin, limit, "document")
            parts.append(chunk)
        self.raw = b"".join(parts)
        return json.loads(self.raw.decode("utf-8-sig"))

    def first_line(self) -> str:
        return self.head().split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip()

    def lines(self) -> Iterator[str]:
        """Text lines, streamed (the first line included, a UTF-8 BOM dropped); a line past
        the document limit raises TooLargeError, and so does, before the first line, a file
        whose decompressed size is unknown and turns out past the file limit."""
        if self.size is None and self.measure is not None:
            self.size = self.measure()
            if self.size is None:
                raise TooLargeError(self.origin, self.limits.file, "file")
        chained = io.BufferedReader(_Chain(self.head(), self.stream), buffer_size=1 << 16)
        limit, encoding = self.limits.document, "utf-8-sig"
        while line := chained.readline(limit + 1):
            if len(line) > limit:
                raise TooLargeError(self.origin, limit, "line")
            yield line.decode(encoding)
            encoding = "utf-8"


class _Chain(io.RawIOBase):
    """The head already read, then the rest of the stream."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self.head = head
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            data, self.head = self.head[: len(buffer)], self.head[len(buffer) :]
        else:
            data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class Refused:
    """An input refused before it was read (too large), reported by the importer."""

    def __init__(self, error: TooLargeError) -> None:
        self.error = error


Item = Document | Refused


def iter_documents(
    path: Path, on_read: Callable[[int], None], limits: ReadLimits | None = None
) -> Iterator[Item]:
    """Documents of a file, an archive (members) or a directory (its files, sorted)."""
    limits = limits or read_limits()
    for file in files_of(path):
        yield from _file_documents(file, on_read, limits)


def _file_documents(
    path: Path, on_read: Callable[[int], None], limits: ReadLimits
) -> Iterator[Item]:
    mtime = path.stat().st_mtime
    with path.open("rb") as raw:
        head = raw.read(512)
        raw.seek(0)
        counting = io.BufferedReader(CountingReader(raw, on_read), buffer_size=1 << 20)
        if head.startswith(ZIP_MAGIC):
            yield from _zip_members(path, raw, on_read, limits)
        elif _is_tar(head):
            with tarfile.open(fileobj=counting, mode="r|*") as archive:
                yield from _members(path, archive, limits)
        elif head.startswith(GZIP_MAGIC) and _is_tar(_gzip_head(path)):
            with tarfile.open(fileobj=counting, mode="r|gz") as archive:
                yield from _members(path, archive, limits)
        elif head.startswith(GZIP_MAGIC):
            yield from _gzip_document(path, counting, mtime, limits)
        elif path.stat().st_size > limits.file:
            yield Refused(TooLargeError(str(path), limits.file, "file"))
        else:
            size = path.stat().st_size
            yield Document(str(path), counting, mtime, size=size, limits=limits)


def _gzip_document(
    path: Path, counting: IO[bytes], mtime: float, limits: ReadLimits
) -> Iterator[Item]:
    """A gzip file does not say its decompressed size (its trailer holds it modulo 4 GiB):
    a document read whole stops at the document limit; a streamed one is counted first."""
    with gzip.GzipFile(fileobj=counting) as unpacked:
        yield Document(
            str(path),
            unpacked,  # type: ignore[arg-type]
            mtime,
            limits=limits,
            measure=lambda: gzip_size(path, limits.file),
        )


def gzip_size(path: Path, limit: int) -> int | None:
    """The decompressed size of a gzip file, counted without keeping the data; None past
    `limit`."""
    total = 0
    with gzip.open(path, "rb") as unpacked:
        while chunk := unpacked.read(1 << 20):
            total += len(chunk)
            if total > limit:
                return None
    return total


def _gzip_head(path: Path) -> bytes:
    try:
        with gzip.open(path, "rb") as unpacked:
            return unpacked.read(512)
    except ReadError:
        return b""


def _is_tar(block: bytes) -> bool:
    return len(block) >= 262 and block[257:262] == b"ustar"  # noqa: PLR2004


def _members(path: Path, archive: tarfile.TarFile, limits: ReadLimits) -> Iterator[Item]:
    for member in archive:
        if not member.isfile():
            continue
        origin = f"{path}!{member.name}"
        if member.size > limits.file:
            yield Refused(TooLargeError(origin, limits.file, "file"))
            continue
        stream = archive.extractfile(member)
        if stream is not None:
            yield Document(origin, stream, float(member.mtime), size=member.size, limits=limits)


def _zip_members(
    path: Path, raw: IO[bytes], on_read: Callable[[int], None], limits: ReadLimits
) -> Iterator[Item]:
    """Members of a zip file (its directory is at its end: read from the file itself); the
    sizes the directory declares are enforced while reading (BadZipFile otherwise)."""
    with zipfile.ZipFile(raw) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            origin = f"{path}!{info.filename}"
            if info.file_size > limits.file:
                yield Refused(TooLargeError(origin, limits.file, "file"))
                continue
            with archive.open(info) as stream:
                yield Document(origin, stream, _zip_time(info), size=info.file_size, limits=limits)
            on_read(info.compress_size)


def _zip_time(info: zipfile.ZipInfo) -> float:
    try:
        return dt.datetime(*info.date_time, tzinfo=dt.UTC).timestamp()
    except ValueError:
        return 0.0


def files_of(path: Path) -> list[Path]:
    """The file itself, or the files of a directory (recursively, sorted)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    return [path]


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 of a file's bytes (as stored: compressed files are not unpacked), and its
    size."""
    with path.open("rb") as handle:
        found = hashlib.file_digest(handle, "sha256")
        return found.hexdigest(), handle.tell()


def path_size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size
