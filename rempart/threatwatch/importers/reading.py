"""Reading inputs as a stream of documents: files, directories, gzip files and tarballs.

Compression and archives are recognised from the bytes (gzip magic, `ustar` header), not
from the file name. Tarballs are read as streams (`tarfile` "r|…" mode): one member at a
time, never the whole archive in memory. Bytes read from the disk are counted for progress.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

GZIP_MAGIC = b"\x1f\x8b"
HEAD_SIZE = 65536
ReadError = (OSError, EOFError, tarfile.TarError, zlib.error, UnicodeDecodeError)


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
    """One file or archive member, decompressed, read lazily."""

    origin: str  # `path` or `path!member`
    stream: IO[bytes]
    mtime: float
    _head: bytes | None = None
    raw: bytes | None = None  # the bytes of a JSON document, once read

    def head(self) -> bytes:
        """The first bytes, kept for the later reads (`json()`, `lines()`)."""
        if self._head is None:
            self._head = self.stream.read(HEAD_SIZE)
        return self._head

    def first_char(self) -> bytes:
        return self.head().lstrip(b"\xef\xbb\xbf \t\r\n")[:1]

    def json(self) -> Any:
        """The whole document parsed as JSON (ValueError when it is not valid JSON)."""
        self.raw = self.head() + self.stream.read()
        return json.loads(self.raw.decode("utf-8-sig"))

    def first_line(self) -> str:
        return self.head().split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip()

    def lines(self) -> Iterator[str]:
        """Text lines, streamed (the first line included, a UTF-8 BOM dropped)."""
        chained = io.BufferedReader(_Chain(self.head(), self.stream), buffer_size=1 << 16)
        return iter(io.TextIOWrapper(chained, encoding="utf-8-sig", newline=""))


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


def iter_documents(path: Path, on_read: Callable[[int], None]) -> Iterator[Document]:
    """Documents of a file, a tarball (members) or a directory (its files, sorted)."""
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            yield from _file_documents(child, on_read)
    else:
        yield from _file_documents(path, on_read)


def _file_documents(path: Path, on_read: Callable[[int], None]) -> Iterator[Document]:
    mtime = path.stat().st_mtime
    with path.open("rb") as raw:
        head = raw.read(512)
        raw.seek(0)
        counting = io.BufferedReader(CountingReader(raw, on_read), buffer_size=1 << 20)
        if _is_tar(head):
            with tarfile.open(fileobj=counting, mode="r|*") as archive:
                yield from _members(path, archive)
        elif head.startswith(GZIP_MAGIC) and _is_tar(_gzip_head(path)):
            with tarfile.open(fileobj=counting, mode="r|gz") as archive:
                yield from _members(path, archive)
        elif head.startswith(GZIP_MAGIC):
            with gzip.GzipFile(fileobj=counting) as unpacked:
                yield Document(str(path), unpacked, mtime)  # type: ignore[arg-type]
        else:
            yield Document(str(path), counting, mtime)


def _gzip_head(path: Path) -> bytes:
    try:
        with gzip.open(path, "rb") as unpacked:
            return unpacked.read(512)
    except ReadError:
        return b""


def _is_tar(block: bytes) -> bool:
    return len(block) >= 262 and block[257:262] == b"ustar"  # noqa: PLR2004


def _members(path: Path, archive: tarfile.TarFile) -> Iterator[Document]:
    for member in archive:
        if not member.isfile():
            continue
        stream = archive.extractfile(member)
        if stream is not None:
            yield Document(f"{path}!{member.name}", stream, float(member.mtime))


def path_size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size
