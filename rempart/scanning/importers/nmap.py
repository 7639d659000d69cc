"""nmap XML reports (`nmap -oX`): read once, checked whole, kept as a compact host list.

The report is read host by host (defusedxml, constant memory). Every host is checked before
anything is stored: a malformed, truncated or hostile report is refused with the reason.
The hosts inside the establishment's perimeter are written, one JSON line each, to a
gzip file that becomes the scan's raw result; the import job reads it back in batches. The
file is two gzip members (the header, then the hosts), so that the header, known only once
the whole report was read, still comes first.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from rempart.engine.model import Host, Service
from rempart.engine.nmap import NmapParseError, NmapReader
from rempart.engine.targets import Perimeter

SPOOL_FORMAT = "rempart-hosts/1"
DROPPED_LISTED = 100


@dataclass
class SpoolHeader:
    """What the report says besides its hosts, and how many of them were kept."""

    source: str
    nmap_version: str = ""
    tcp_ports: str = ""
    udp_ports: str = ""
    finished: bool = False
    error: str = ""
    hosts_up: int = 0
    hosts_down: int = 0
    kept: int = 0
    dropped: list[str] = field(default_factory=list)
    dropped_count: int = 0
    format: str = SPOOL_FORMAT


def spool_report(
    stream: IO[bytes], *, source: str, perimeter: Perimeter, out: IO[bytes]
) -> SpoolHeader:
    """Read the whole report, write the hosts inside `perimeter` to `out` (gzip JSON lines)
    and return the header; raises NmapParseError naming the first problem."""
    reader = NmapReader(stream, source=source)
    header = SpoolHeader(source=source)
    with tempfile.TemporaryFile() as hosts_file:
        with gzip.GzipFile(fileobj=hosts_file, mode="wb", compresslevel=1) as hosts_out:
            for host, up in reader.hosts():
                _count(header, host, up, perimeter, hosts_out)
        if not header.hosts_up and not header.hosts_down:
            raise NmapParseError("nmap.no_host", source=source)
        header.nmap_version, header.finished, header.error = (
            reader.version,
            reader.finished,
            reader.error,
        )
        header.tcp_ports, header.udp_ports = reader.ports["tcp"], reader.ports["udp"]
        out.write(gzip.compress(json.dumps(asdict(header)).encode() + b"\n"))
        hosts_file.seek(0)
        shutil.copyfileobj(hosts_file, out)
    return header


def _count(header: SpoolHeader, host: Host, up: bool, perimeter: Perimeter, out: Any) -> None:
    if not up:
        header.hosts_down += 1
        return
    header.hosts_up += 1
    if host.address not in perimeter:
        header.dropped_count += 1
        if len(header.dropped) < DROPPED_LISTED:
            header.dropped.append(host.address)
        return
    host.address = str(ipaddress.ip_address(host.address))  # as the database stores it
    header.kept += 1
    raw = {**vars(host), "services": [vars(s) for s in host.services]}  # asdict() is slow
    out.write(json.dumps(raw, separators=(",", ":")).encode() + b"\n")


def read_spool(stream: IO[bytes]) -> tuple[SpoolHeader, Iterator[Host]]:
    """The header and the hosts of a spool written by `spool_report`."""
    lines = gzip.GzipFile(fileobj=stream, mode="rb")
    raw = json.loads(lines.readline())
    if raw.get("format") != SPOOL_FORMAT:
        raise ValueError(f"not a host list of format {SPOOL_FORMAT}")
    header = SpoolHeader(**{k: v for k, v in raw.items() if k in SpoolHeader.__dataclass_fields__})
    return header, (_host(json.loads(line)) for line in lines)


def _host(raw: dict[str, Any]) -> Host:
    services = [Service(**item) for item in raw.pop("services")]
    return Host(services=services, **raw)
