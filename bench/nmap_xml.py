"""Realistic nmap XML reports of N hosts (`nmap -sV -oX` of a hospital network), for the
import benchmark and the import tests.

    .venv/bin/python -m bench.nmap_xml --hosts 30000 --out report.xml [--network 10.20.0.0/16]

Hosts are drawn (seeded, so a given N always gives the same file) from the kinds of
equipment a hospital network holds: Windows workstations, Linux and Windows servers,
printers, PACS and modalities (DICOM, HL7), switches, IP cameras, database servers. Each
host has a MAC address with its vendor, usually a PTR name, the `extraports` summary nmap
writes, and its open ports with the service, product, version, extra information and CPE
that version detection reports. About 1.5 KB per host: 30,000 hosts make a 45 MB report.
"""

from __future__ import annotations

import argparse
import ipaddress
import random
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.sax.saxutils import quoteattr

# A port: number, protocol, service name, product, version, extra information, tunnel, CPE.
PortSpec = tuple[int, str, str, str, str, str, str, str]

PROFILES: dict[str, tuple[float, str, list[str], list[PortSpec]]] = {
    "workstation": (
        0.45,
        "pc",
        ["Dell", "Hewlett Packard", "Lenovo"],
        [
            (135, "tcp", "msrpc", "Microsoft Windows RPC", "", "", "", "cpe:/o:microsoft:windows"),
            (139, "tcp", "netbios-ssn", "Microsoft Windows netbios-ssn", "", "", "", ""),
            (445, "tcp", "microsoft-ds", "", "", "", "", ""),
            (3389, "tcp", "ms-wbt-server", "Microsoft Terminal Services", "", "", "", ""),
        ],
    ),
    "linux-server": (
        0.12,
        "srv",
        ["VMware", "Dell"],
        [
            (
                22,
                "tcp",
                "ssh",
                "OpenSSH",
                "8.4p1 Debian 5+deb11u3",
                "protocol 2.0",
                "",
                "cpe:/a:openbsd:openssh:8.4p1",
            ),
            (80, "tcp", "http", "nginx", "1.18.0", "", "", "cpe:/a:igor_sysoev:nginx:1.18.0"),
            (443, "tcp", "http", "nginx", "1.18.0", "", "ssl", "cpe:/a:igor_sysoev:nginx:1.18.0"),
            (
                5432,
                "tcp",
                "postgresql",
                "PostgreSQL DB",
                "11.7 - 11.12",
                "",
                "",
                "cpe:/a:postgresql:postgresql:11",
            ),
        ],
    ),
    "windows-server": (
        0.08,
        "srv",
        ["VMware"],
        [
            (
                80,
                "tcp",
                "http",
                "Microsoft IIS httpd",
                "10.0",
                "",
                "",
                "cpe:/a:microsoft:internet_information_services:10.0",
            ),
            (135, "tcp", "msrpc", "Microsoft Windows RPC", "", "", "", "cpe:/o:microsoft:windows"),
            (445, "tcp", "microsoft-ds", "", "", "", "", ""),
            (
                1433,
                "tcp",
                "ms-sql-s",
                "Microsoft SQL Server 2016",
                "13.00.4001.00",
                "SP1",
                "",
                "cpe:/a:microsoft:sql_server:2016",
            ),
            (3389, "tcp", "ms-wbt-server", "Microsoft Terminal Services", "", "", "", ""),
        ],
    ),
    "printer": (
        0.12,
        "imp",
        ["Hewlett Packard", "Xerox", "Konica Minolta"],
        [
            (
                80,
                "tcp",
                "http",
                "HP-ChaiSOE",
                "1.0",
                "HP LaserJet http config",
                "",
                "cpe:/h:hp:laserjet",
            ),
            (443, "tcp", "http", "HP-ChaiSOE", "1.0", "", "ssl", "cpe:/h:hp:laserjet"),
            (515, "tcp", "printer", "", "", "", "", ""),
            (631, "tcp", "ipp", "HP-ChaiSOE", "1.0", "", "", ""),
            (9100, "tcp", "jetdirect", "", "", "", "", ""),
        ],
    ),
    "pacs": (
        0.05,
        "pacs",
        ["Siemens", "GE Healthcare", "Philips"],
        [
            (104, "tcp", "dicom", "DICOM", "", "", "", ""),
            (2575, "tcp", "hl7", "", "", "", "", ""),
            (11112, "tcp", "dicom", "Orthanc DICOM", "1.9.7", "", "", ""),
            (8042, "tcp", "http", "Orthanc", "1.9.7", "", "", ""),
        ],
    ),
    "switch": (
        0.08,
        "sw",
        ["Cisco Systems", "Hewlett Packard Enterprise"],
        [
            (22, "tcp", "ssh", "Cisco SSH", "1.25", "protocol 2.0", "", "cpe:/o:cisco:ios"),
            (23, "tcp", "telnet", "Cisco router telnetd", "", "", "", "cpe:/o:cisco:ios"),
            (80, "tcp", "http", "Cisco IOS http config", "", "", "", "cpe:/o:cisco:ios"),
        ],
    ),
    "camera": (
        0.06,
        "cam",
        ["Hikvision Digital Technology", "Axis Communications"],
        [
            (80, "tcp", "http", "Hikvision IP camera httpd", "", "", "", ""),
            (554, "tcp", "rtsp", "Hikvision 7513 POE IP camera rtspd", "", "", "", ""),
        ],
    ),
    "database": (
        0.04,
        "db",
        ["VMware"],
        [
            (22, "tcp", "ssh", "OpenSSH", "7.4", "protocol 2.0", "", "cpe:/a:openbsd:openssh:7.4"),
            (3306, "tcp", "mysql", "MySQL", "5.7.33", "", "", "cpe:/a:mysql:mysql:5.7.33"),
            (
                6379,
                "tcp",
                "redis",
                "Redis key-value store",
                "6.0.16",
                "",
                "",
                "cpe:/a:redislabs:redis:6.0.16",
            ),
        ],
    ),
}

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n'
    '<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>\n'
    "<!-- Nmap 7.93 scan initiated Sat Nov 28 22:00:02 2026 as: nmap -n -sS -sV -p {ports} "
    "-oX report.xml {network} -->\n"
    '<nmaprun scanner="nmap" args="nmap -n -sS -sV -p {ports} -oX report.xml {network}" '
    'start="1795903202" startstr="Sat Nov 28 22:00:02 2026" version="7.93" '
    'xmloutputversion="1.05">\n'
    '<scaninfo type="syn" protocol="tcp" numservices="{count}" services="{ports}"/>\n'
    '<verbose level="0"/>\n<debugging level="0"/>\n'
)
FOOTER = (
    '<runstats><finished time="1795910402" timestr="Sun Nov 29 00:00:02 2026" '
    'summary="Nmap done; {total} IP addresses ({up} hosts up) scanned in 7200.00 seconds" '
    'elapsed="7200.00" exit="success"/><hosts up="{up}" down="{down}" total="{total}"/>\n'
    "</runstats>\n</nmaprun>\n"
)


def scanned_ports() -> list[int]:
    return sorted({spec[0] for *_rest, specs in PROFILES.values() for spec in specs})


def _port(spec: PortSpec, rng: random.Random) -> str:
    port, protocol, name, product, version, extrainfo, tunnel, cpe = spec
    attributes = f"name={quoteattr(name)}"
    for key, value in (
        ("product", product),
        ("version", version),
        ("extrainfo", extrainfo),
        ("tunnel", tunnel),
    ):
        if value:
            attributes += f" {key}={quoteattr(value)}"
    method = "probed" if product else "table"
    conf = "10" if product else "3"
    cpe_element = f"<cpe>{cpe}</cpe>" if cpe else ""
    return (
        f'<port protocol="{protocol}" portid="{port}"><state state="open" reason="syn-ack" '
        f'reason_ttl="{rng.choice((64, 128, 255))}"/><service {attributes} method="{method}" '
        f'conf="{conf}">{cpe_element}</service></port>\n'
    )


def _host(address: str, rng: random.Random, profile: str, index: int) -> str:
    _weight, prefix, vendors, ports = PROFILES[profile]
    kept = [p for p in ports if rng.random() < 0.85] or ports[:1]
    mac = ":".join(f"{rng.randrange(256):02X}" for _ in range(6))
    closed = len(scanned_ports()) - len(kept)
    name = (
        f'<hostname name="{prefix}-{index:05d}.ch-bench.local" type="PTR"/>\n'
        if rng.random() < 0.8
        else ""
    )
    return (
        f'<host starttime="1795903210" endtime="1795903290"><status state="up" '
        f'reason="arp-response" reason_ttl="0"/>\n<address addr="{address}" addrtype="ipv4"/>\n'
        f'<address addr="{mac}" addrtype="mac" vendor={quoteattr(rng.choice(vendors))}/>\n'
        f"<hostnames>\n{name}</hostnames>\n"
        f'<ports><extraports state="closed" count="{closed}">\n<extrareasons reason="reset" '
        f'count="{closed}" proto="tcp" ports="1-65535"/>\n</extraports>\n'
        + "".join(_port(p, rng) for p in kept)
        + '</ports>\n<times srtt="412" rttvar="120" to="100000"/>\n</host>\n'
    )


def hosts(count: int, network: str, seed: int = 11) -> Iterator[str]:
    """The `<host>` elements of `count` hosts of `network` (each one up)."""
    rng = random.Random(seed)
    names = list(PROFILES)
    weights = [PROFILES[n][0] for n in names]
    addresses = ipaddress.ip_network(network).hosts()
    for index in range(count):
        address = str(next(addresses))
        yield _host(address, rng, rng.choices(names, weights)[0], index)


def write(out: IO[str], count: int, network: str = "10.20.0.0/16", *, down: int = 0) -> None:
    """Write a whole report: `count` hosts up, then `down` hosts reported down."""
    ports = ",".join(str(p) for p in scanned_ports())
    out.write(HEADER.format(ports=ports, count=len(scanned_ports()), network=network))
    for element in hosts(count, network):
        out.write(element)
    last = ipaddress.ip_network(network).broadcast_address
    for offset in range(down):
        out.write(
            f'<host><status state="down" reason="no-response" reason_ttl="0"/>\n'
            f'<address addr="{last - 1 - offset}" addrtype="ipv4"/>\n</host>\n'
        )
    out.write(FOOTER.format(total=count + down, up=count, down=down))


def report(count: int, network: str = "10.20.0.0/16", *, down: int = 0) -> bytes:
    """A whole report in memory (tests)."""
    import io  # noqa: PLC0415

    buffer = io.StringIO()
    write(buffer, count, network, down=down)
    return buffer.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=6246)
    parser.add_argument("--network", default="10.20.0.0/16")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with args.out.open("w") as out:
        write(out, args.hosts, args.network)
    print(f"{args.out}: {args.hosts} hosts, {args.out.stat().st_size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
