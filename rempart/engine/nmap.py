"""nmap, driven through its XML output, parsed defensively (defusedxml).

Two passes: host discovery and open ports across all targets in parallel, then version
detection only on the open ports that native probes did not already identify.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden

from rempart.engine.model import Host, RateLimits, Service
from rempart.engine.problems import ProblemError


class NmapError(RuntimeError):
    """nmap is missing, failed, or was stopped."""


class NmapParseError(ProblemError):
    """An nmap XML document is malformed, truncated or refused; `problem` says what and
    where (code + parameters)."""


@dataclass
class NmapRun:
    version: str = ""
    hosts: list[Host] = field(default_factory=list)
    hosts_down: list[str] = field(default_factory=list)
    finished: bool = False
    error: str = ""


def nmap_path() -> str:
    path = shutil.which(os.environ.get("REMPART_NMAP", "nmap"))
    if path is None:
        raise NmapError("nmap is not installed (Debian: apt-get install nmap)")
    return path


def privileged() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


# --- parsing -----------------------------------------------------------------------------


def parse_xml(data: bytes | str, *, source: str = "nmap XML") -> NmapRun:
    """Parse an nmap XML document (`nmap -oX`). Raises NmapParseError on bad input."""
    if isinstance(data, str):
        data = data.encode()
    reader = NmapReader(io.BytesIO(data), source=source)
    run = NmapRun()
    for host, up in reader.hosts():
        if up:
            run.hosts.append(host)
        else:
            run.hosts_down.append(host.address)
    run.version, run.finished, run.error = reader.version, reader.finished, reader.error
    return run


class NmapReader:
    """Reads an nmap XML report host by host, in constant memory, through defusedxml: entity
    declarations and external references are refused, and said so. Attributes of the report
    (`version`, scanned `ports`, `finished`, `error`) are filled as they are met."""

    def __init__(self, stream: IO[bytes], *, source: str) -> None:
        self.stream, self.source = stream, source
        self.version, self.finished, self.error = "", False, ""
        self.ports: dict[str, str] = {"tcp": "", "udp": ""}

    def hosts(self) -> Iterator[tuple[Host, bool]]:
        """Each `<host>` as (host, is up); raises NmapParseError naming the problem."""
        if not self._peek().strip():
            raise NmapParseError("nmap.empty", source=self.source)
        events = ElementTree.iterparse(
            self.stream, events=("end",), forbid_dtd=False, forbid_entities=True
        )
        count = 0
        try:
            for _event, element in events:
                if element.tag == "host":
                    count += 1
                    yield _parse_host(element, self.source, count)
                    element.clear()
                else:
                    self._other(element)
        except ParseError as exc:
            line, column = exc.position
            raise NmapParseError(
                "nmap.not_xml", source=self.source, line=line, column=column
            ) from exc
        except DefusedXmlException as exc:
            raise _refused(exc, self.source) from exc
        root = events.root
        if root.tag != "nmaprun":
            raise NmapParseError("nmap.not_nmaprun", source=self.source, tag=root.tag[:50])

    def _peek(self) -> bytes:
        head = self.stream.read(4096)
        self.stream.seek(-len(head), io.SEEK_CUR)
        return head

    def _other(self, element: Element) -> None:
        if element.tag == "nmaprun":
            self.version = element.get("version", "")
        elif element.tag == "scaninfo" and element.get("protocol") in self.ports:
            self.ports[element.get("protocol", "")] = element.get("services", "")
        elif element.tag == "finished":
            self.finished = element.get("exit", "success") == "success"
            if element.get("exit") == "error":
                self.error = element.get("errormsg", "nmap reported an error")


def _refused(exc: DefusedXmlException, source: str) -> NmapParseError:
    if isinstance(exc, EntitiesForbidden):
        return NmapParseError("nmap.entity_refused", source=source, entity=str(exc.name)[:100])
    if isinstance(exc, ExternalReferenceForbidden):
        return NmapParseError(
            "nmap.external_refused", source=source, entity=str(exc.sysid or "")[:200]
        )
    return NmapParseError("nmap.dtd_refused", source=source)


def _parse_host(element: Element, source: str, number: int) -> tuple[Host, bool]:
    address = ""
    host = Host(address="")
    for addr in element.findall("address"):
        kind = addr.get("addrtype")
        if kind in ("ipv4", "ipv6") and not address:
            address = addr.get("addr", "")
        elif kind == "mac":
            host.mac, host.mac_vendor = addr.get("addr", ""), addr.get("vendor", "")
    if not address:
        raise NmapParseError("nmap.no_address", source=source, host=number)
    host.address = address
    host.hostnames = [
        h.get("name", "") for h in element.findall("hostnames/hostname") if h.get("name")
    ]
    osmatch = element.find("os/osmatch")
    if osmatch is not None:
        host.os_guess = osmatch.get("name", "")
    for port in element.findall("ports/port"):
        service = _parse_port(port, source, number)
        if service is not None:
            host.services.append(service)
    status = element.find("status")
    up = status is None or status.get("state") == "up"
    return host, up


def _parse_port(element: Element, source: str, host: int) -> Service | None:
    state = element.find("state")
    if state is None or state.get("state") not in ("open", "open|filtered"):
        return None
    protocol, text = element.get("protocol", "tcp"), element.get("portid", "")
    number = int(text) if text.isdigit() else 0
    if protocol not in ("tcp", "udp") or not 0 < number < 65536:  # noqa: PLR2004
        raise NmapParseError(
            "nmap.invalid_port", source=source, host=host, port=f"{protocol[:10]}/{text[:10]}"
        )
    service = Service(port=number, protocol=protocol, state=state.get("state", "open"))
    info = element.find("service")
    if info is not None:
        service.name = info.get("name", "")
        service.product = info.get("product", "")
        if any(character.isspace() for character in service.name):
            # nmap 7.93's mqtt-subscribe (a version script) stores the broker's version text
            # ("mosquitto version 2.0.11") as the service *name*; real names have no space.
            service.product, service.name = service.product or service.name, ""
        service.version = info.get("version", "")
        service.extrainfo = info.get("extrainfo", "")
        service.tunnel = info.get("tunnel", "")
        service.cpe = [c.text.strip() for c in info.findall("cpe") if c.text]
        if info.get("method") == "probed":
            service.identified_by = "nmap"
    return service


# --- running -----------------------------------------------------------------------------


def _timing(rate: RateLimits, timing: str) -> list[str]:
    return [
        timing,
        "--max-rate",
        str(rate.max_rate),
        "--min-hostgroup",
        str(rate.host_parallelism),
        "--host-timeout",
        f"{rate.host_timeout_s}s",
        "--max-retries",
        "2",
    ]


def _write_list(directory: Path, name: str, items: list[str]) -> Path:
    path = directory / name
    path.write_text("\n".join(items) + "\n")
    return path


def run(
    args: list[str], *, should_stop: Callable[[], bool] | None = None, timeout_s: float = 6 * 3600
) -> NmapRun:
    """Run nmap with XML on stdout; stop it when `should_stop()` becomes true."""
    command = [nmap_path(), "-oX", "-", "--noninteractive", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.5):
            if should_stop is not None and should_stop():
                process.terminate()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        out, err = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        process.kill()
        raise NmapError(f"nmap did not finish within {timeout_s:.0f} s") from exc
    finally:
        stop.set()
    if should_stop is not None and should_stop():
        raise NmapError("stopped")
    if process.returncode != 0:
        raise NmapError(f"nmap failed ({process.returncode}): {err.decode(errors='replace')[:500]}")
    return parse_xml(out, source="nmap output")


def discover(
    addresses: list[str],
    excluded: list[str],
    *,
    tcp_ports: str,
    udp_ports: str,
    rate: RateLimits,
    timing: str,
    should_stop: Callable[[], bool] | None = None,
) -> NmapRun:
    """Live hosts and their open ports, all targets in parallel."""
    with tempfile.TemporaryDirectory(prefix="rempart-nmap-") as tmp:
        directory = Path(tmp)
        args = ["-n", "--open", "-iL", str(_write_list(directory, "targets", addresses))]
        if excluded:
            args += ["--excludefile", str(_write_list(directory, "excluded", excluded))]
        ports = f"T:{tcp_ports}" + (f",U:{udp_ports}" if udp_ports and privileged() else "")
        scan = ["-sS"] if privileged() else ["-sT"]
        if udp_ports and privileged():
            scan.append("-sU")
        probes = (
            ["-PE", "-PP", "-PS21,22,23,80,104,135,139,443,445,3389,8080", "-PA80,443", "-PU161"]
            if privileged()
            else ["-PS22,80,135,443,445,3389"]
        )
        return run(
            [*args, *scan, *probes, "-p", ports, *_timing(rate, timing)], should_stop=should_stop
        )


def detect_versions(
    address: str,
    ports: list[int],
    *,
    rate: RateLimits,
    should_stop: Callable[[], bool] | None = None,
) -> NmapRun:
    """Version detection on the given open TCP ports of one host."""
    args = [
        "-n",
        "-Pn",
        "-sV",
        "--version-intensity",
        "7",
        "-p",
        ",".join(str(p) for p in sorted(ports)),
        "--host-timeout",
        f"{rate.host_timeout_s}s",
        "--max-rate",
        str(rate.max_rate),
        address,
    ]
    args.insert(0, "-sS" if privileged() else "-sT")
    return run(args, should_stop=should_stop)


def version() -> str:
    result = subprocess.run([nmap_path(), "--version"], capture_output=True, text=True, check=False)
    first = result.stdout.splitlines()[0] if result.stdout else ""
    return first.replace("Nmap version", "").split("(")[0].strip()


def merge_versions(host: Host, detected: NmapRun) -> None:
    """Copy version-detection results into `host`'s services."""
    found = next((h for h in detected.hosts if h.address == host.address), None)
    if found is None:
        return
    for service in found.services:
        current = host.service(service.port, service.protocol)
        if current is None:
            host.services.append(service)
            continue
        for name in ("name", "product", "version", "extrainfo", "tunnel", "identified_by"):
            value: Any = getattr(service, name)
            if value:
                setattr(current, name, value)
        if service.cpe:
            current.cpe = service.cpe
