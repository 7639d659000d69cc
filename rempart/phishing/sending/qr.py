"""QR-code lures ("quishing"): the `{{ qr_code }}` variable of e-mail templates.

In a message the variable is an `<img>` pointing at a PNG carried in the message itself
(`cid:`, a `multipart/related` part): remote images are blocked by most clients, embedded
ones are not. The PNG encodes the recipient's tracked link, the same address as `{{ url }}`,
so scanning it counts as a click. It is generated only for the variants that use the
variable, in about 1 ms: the mask is fixed (choosing the best of the eight costs four times
as much; any mask is valid and scanners read them all) and the PNG is written here, 1 bit a
pixel, rather than by segno's generic writer.
"""

from __future__ import annotations

import base64
import struct
import zlib

import segno
from django.utils.safestring import SafeString, mark_safe

CONTENT_ID = "rempart-qr"
SIZE = 180  # displayed size in pixels; the PNG itself is smaller (scale 4) and scaled up
SCALE, BORDER = 4, 2  # pixels a module, modules of quiet zone
MASK = 0
VARIABLE = "qr_code"
PREVIEW_URL = "https://example.org/p/apercu/"  # fictitious: previews and test e-mails


def image_tag() -> SafeString:
    """The variable's value in a message: the embedded image, by Content-ID."""
    return mark_safe(  # noqa: S308 (constant markup)
        f'<img src="cid:{CONTENT_ID}" alt="QR code" width="{SIZE}" height="{SIZE}">'
    )


def uses_qr(html: str) -> bool:
    """Whether a template's HTML may use the variable (decided once per variant)."""
    return VARIABLE in html


def qr_matrix(url: str) -> tuple[bytearray, ...]:
    """The modules of the QR code of `url` (rows of 0/1), error correction M or better."""
    return segno.make(url, error="m", micro=False, mask=MASK).matrix


def qr_png(url: str) -> bytes:
    """A small PNG (1 bit a pixel, 4 pixels a module, 2-module quiet zone) encoding `url`."""
    return png_bytes(qr_matrix(url))


def png_bytes(matrix: tuple[bytearray, ...]) -> bytes:
    """A black-on-white greyscale PNG of `matrix`, `SCALE` pixels a module, with a border."""
    width = (len(matrix) + 2 * BORDER) * SCALE
    margin = "1" * BORDER * SCALE
    blank = b"\x00" + _packed("1" * width)
    lines = [blank] * (BORDER * SCALE)
    for row in matrix:
        bits = margin + "".join("0" * SCALE if dark else "1" * SCALE for dark in row) + margin
        lines.extend([b"\x00" + _packed(bits)] * SCALE)  # filter 0 (none) on every line
    lines.extend([blank] * (BORDER * SCALE))
    header = struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(lines), 9))
        + _chunk(b"IEND", b"")
    )


def _packed(bits: str) -> bytes:
    """'1'/'0' pixels as bytes, most significant bit first, padded with white."""
    bits += "1" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def inline_preview(html: str, png: bytes) -> str:
    """`html` with the embedded image as a `data:` URI, for a browser preview (a browser has
    no message to resolve `cid:` against)."""
    data = base64.b64encode(png).decode("ascii")
    return html.replace(f"cid:{CONTENT_ID}", f"data:image/png;base64,{data}")
