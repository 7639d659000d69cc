"""CPE names: 2.3 formatted strings and 2.2 URIs (as nmap prints them), parsed into parts.

A CPE 2.3 string has 13 colon-separated fields (`cpe:2.3:part:vendor:product:version:update:
edition:language:sw_edition:target_sw:target_hw:other`); a backslash escapes a colon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

ANY = "*"
NA = "-"


class CpeError(ValueError):
    """Not a CPE name; the message says why."""


@dataclass(frozen=True)
class Cpe:
    part: str
    vendor: str
    product: str
    version: str = ANY
    update: str = ANY
    target_sw: str = ANY
    target_hw: str = ANY

    def as_23(self) -> str:
        fields = [
            self.part,
            self.vendor,
            self.product,
            self.version,
            self.update,
            ANY,
            ANY,
            ANY,
            self.target_sw,
            self.target_hw,
            ANY,
        ]
        return "cpe:2.3:" + ":".join(_escape(f) for f in fields)

    @property
    def full_version(self) -> str:
        """Version with its update (`9.2` + `p1` → `9.2p1`) for comparisons."""
        if self.update in (ANY, NA, ""):
            return self.version
        return f"{self.version}{'' if self.update[:1].isalpha() else '-'}{self.update}"


def _escape(value: str) -> str:
    return value.replace(":", "\\:")


def _split_23(text: str) -> list[str]:
    return [part.replace("\\:", ":") for part in re.split(r"(?<!\\):", text)]


def parse(text: str) -> Cpe:
    """Parse `cpe:2.3:…` or `cpe:/a:vendor:product:version` (nmap's `/a` suffix allowed)."""
    raw = (text or "").strip()
    if raw.startswith("cpe:2.3:"):
        fields = _split_23(raw)
        if len(fields) != 13:  # noqa: PLR2004
            raise CpeError(f"{raw}: a CPE 2.3 name has 13 fields, not {len(fields)}")
        part, vendor, product, version, update = fields[2:7]
        target_sw, target_hw = fields[10], fields[11]
    elif raw.startswith("cpe:/"):
        fields = [unquote(f) for f in raw[5:].split(":")]
        fields += [ANY] * (5 - len(fields))
        part, vendor, product, version, update = (fields[0] or ANY, *fields[1:5])
        version = version or ANY
        update = update or ANY
        target_sw = target_hw = ANY
    else:
        raise CpeError(f"{raw!r} is not a CPE name (cpe:2.3:… or cpe:/…)")
    if part not in ("a", "o", "h", ANY):
        raise CpeError(f"{raw}: unknown part {part!r} (a, o or h)")
    if not vendor or not product or ANY in (vendor, product):
        raise CpeError(f"{raw}: vendor and product are required")
    return Cpe(
        part=part,
        vendor=vendor.lower(),
        product=product.lower(),
        version=version or ANY,
        update=update or ANY,
        target_sw=target_sw or ANY,
        target_hw=target_hw or ANY,
    )
