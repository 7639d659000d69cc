"""The little BSON the MongoDB probe needs: encode flat command documents, decode replies.

Encoding covers str, bool, int and float values (command documents); decoding covers the
types MongoDB puts in `hello`/`isMaster` and `listDatabases` replies and raises ValueError
on anything unknown or truncated.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


def _element(name: str, value: str | bool | int | float) -> bytes:
    key = name.encode() + b"\x00"
    if isinstance(value, bool):
        return b"\x08" + key + (b"\x01" if value else b"\x00")
    if isinstance(value, int):
        if _INT32_MIN <= value <= _INT32_MAX:
            return b"\x10" + key + struct.pack("<i", value)
        return b"\x12" + key + struct.pack("<q", value)
    if isinstance(value, float):
        return b"\x01" + key + struct.pack("<d", value)
    raw = value.encode() + b"\x00"
    return b"\x02" + key + struct.pack("<i", len(raw)) + raw


def encode(document: dict[str, str | bool | int | float]) -> bytes:
    body = b"".join(_element(name, value) for name, value in document.items())
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


def _cstring(data: bytes, pos: int) -> tuple[str, int]:
    end = data.index(b"\x00", pos)
    return data[pos:end].decode("utf-8", "replace"), end + 1


def _string(data: bytes, pos: int) -> tuple[Any, int]:
    size = struct.unpack_from("<i", data, pos)[0]
    return data[pos + 4 : pos + 3 + size].decode("utf-8", "replace"), pos + 4 + size


def _document(data: bytes, pos: int) -> tuple[Any, int]:
    size = struct.unpack_from("<i", data, pos)[0]
    return decode(data[pos : pos + size]), pos + size


def _array(data: bytes, pos: int) -> tuple[Any, int]:
    value, end = _document(data, pos)
    return list(value.values()), end


def _binary(data: bytes, pos: int) -> tuple[Any, int]:
    size = struct.unpack_from("<i", data, pos)[0]
    return data[pos + 5 : pos + 5 + size], pos + 5 + size


def _fixed(size: int, fmt: str | None = None) -> Callable[[bytes, int], tuple[Any, int]]:
    def read(data: bytes, pos: int) -> tuple[Any, int]:
        if pos + size > len(data):
            raise ValueError("truncated BSON value")
        raw = data[pos : pos + size]
        return (struct.unpack("<" + fmt, raw)[0] if fmt else raw), pos + size

    return read


_READERS: dict[int, Callable[[bytes, int], tuple[Any, int]]] = {
    0x01: _fixed(8, "d"),
    0x02: _string,
    0x03: _document,
    0x04: _array,
    0x05: _binary,
    0x07: _fixed(12),
    0x08: _fixed(1, "?"),
    0x09: _fixed(8, "q"),
    0x0A: _fixed(0),
    0x10: _fixed(4, "i"),
    0x11: _fixed(8, "Q"),
    0x12: _fixed(8, "q"),
    0x13: _fixed(16),
    0x7F: _fixed(0),
    0xFF: _fixed(0),
}


def decode(data: bytes) -> dict[str, Any]:
    """A BSON document; raises ValueError when it is truncated or uses an unknown type."""
    try:
        size = struct.unpack_from("<i", data, 0)[0]
        if size > len(data) or size < 5:  # noqa: PLR2004
            raise ValueError("truncated BSON document")
        result: dict[str, Any] = {}
        pos = 4
        while data[pos] != 0:
            kind = data[pos]
            name, pos = _cstring(data, pos + 1)
            if kind not in _READERS:
                raise ValueError(f"unsupported BSON type 0x{kind:02x}")
            result[name], pos = _READERS[kind](data, pos)
        return result
    except (struct.error, IndexError) as exc:
        raise ValueError("truncated BSON document") from exc
