"""nmap XML reports (`nmap -oX`) → an engine result: inventory, and the ports it covered."""

from __future__ import annotations

from defusedxml import ElementTree

from rempart.engine.model import Coverage, ScanResult, now_iso
from rempart.engine.nmap import NmapParseError, parse_xml


def _scanned_ports(data: bytes) -> dict[str, str]:
    root = ElementTree.fromstring(data, forbid_dtd=False, forbid_entities=True)
    ports: dict[str, str] = {"tcp": "", "udp": ""}
    for info in root.findall("scaninfo"):
        protocol = info.get("protocol", "")
        if protocol in ports:
            ports[protocol] = info.get("services", "")
    return ports


def nmap_to_result(data: bytes, *, source: str) -> ScanResult:
    """Parse an nmap report; raises NmapParseError naming the problem."""
    run = parse_xml(data, source=source)
    if not run.hosts and not run.hosts_down:
        raise NmapParseError(f"{source}: the report holds no host")
    ports = _scanned_ports(data)
    return ScanResult(
        job_id=source,
        policy="discovery",
        started_at=now_iso(),
        finished_at=now_iso(),
        status="completed",
        hosts=run.hosts,
        findings=[],
        nmap_version=run.version,
        coverage=Coverage(
            hosts_targeted=[h.address for h in run.hosts] + run.hosts_down,
            hosts_up=[h.address for h in run.hosts],
            tcp_ports=ports["tcp"],
            udp_ports=ports["udp"],
            checks=[],
        ),
    )
