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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rempart.engine.model import Host, RateLimits
from rempart.engine.nmap_reader import NmapParseError, NmapReader
from rempart.engine.problems import ProblemError


class NmapError(ProblemError):
    """nmap is missing, failed, or was stopped (a `scan.nmap_*` code)."""


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
        raise NmapError("scan.nmap_missing")
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
        raise NmapError("scan.nmap_timeout", seconds=round(timeout_s)) from exc
    except BaseException:  # interrupted (Ctrl-C, kill of the command): nmap must not outlive it
        process.kill()
        process.wait()
        raise
    finally:
        stop.set()
    if should_stop is not None and should_stop():
        raise NmapError("scan.nmap_stopped")
    if process.returncode != 0:
        raise NmapError(
            "scan.nmap_failed",
            returncode=process.returncode,
            detail=err.decode(errors="replace")[:500],
        )
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


__all__ = [
    "NmapError",
    "NmapParseError",
    "NmapReader",
    "NmapRun",
    "detect_versions",
    "discover",
    "merge_versions",
    "nmap_path",
    "parse_xml",
    "privileged",
    "run",
    "version",
]
