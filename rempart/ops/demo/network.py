"""The demo region's networks: what nmap sees in each establishment, scan after scan.

Fictitious hosts on private addresses, running the software hospitals really run (PACS and
DICOM modalities, an HL7 interface engine, Windows servers, switches, printers, a VPN
gateway) in versions that the catalog snapshot knows to be vulnerable. `CHANGES` tells what
moves between scans (an upgrade, a port closed then opened again, a new workstation), so
that findings are fixed, reopened and new over the weeks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Svc:
    """One open port as nmap's service detection reports it."""

    port: int
    name: str
    product: str = ""
    version: str = ""
    extrainfo: str = ""
    cpe: str = ""
    protocol: str = "tcp"
    tunnel: str = ""


@dataclass(frozen=True)
class Machine:
    """A host; `seen` lists the scans (0 = oldest) in which it answered."""

    address: str
    hostname: str
    os: str
    services: tuple[Svc, ...]
    mac_vendor: str = ""
    seen: tuple[int, ...] = (0, 1, 2, 3)


@dataclass(frozen=True)
class Change:
    """From scan `start` (until scan `end`, excluded) the port shows `svc` (None: closed)."""

    start: int
    address: str
    port: int
    svc: Svc | None
    end: int = 99


@dataclass(frozen=True)
class Network:
    """One establishment: its scopes (name → targets), hosts, changes and scan days."""

    scopes: dict[str, str]
    machines: tuple[Machine, ...]
    days_ago: tuple[int, ...]
    changes: tuple[Change, ...] = ()


# --- services, as nmap names them ------------------------------------------------------------


def ssh(version: str, extra: str = "", *, cpe_version: str = "") -> Svc:
    upstream = cpe_version or version.split(" ", maxsplit=1)[0]
    return Svc(
        22, "ssh", "OpenSSH", version, extra or "protocol 2.0", _cpe("openbsd:openssh", upstream)
    )


HTTPS = 443


def apache(port: int, version: str, extra: str = "(Unix)") -> Svc:
    tunnel = "ssl" if port == HTTPS else ""
    name = "https" if tunnel else "http"
    return Svc(
        port,
        name,
        "Apache httpd",
        version,
        extra,
        _cpe("apache:http_server", version),
        tunnel=tunnel,
    )


def nginx(port: int, version: str) -> Svc:
    tunnel = "ssl" if port in (443, 8443) else ""
    return Svc(
        port,
        "https" if tunnel else "http",
        "nginx",
        version,
        "",
        _cpe("igor_sysoev:nginx", version),
        tunnel=tunnel,
    )


def tomcat(port: int, version: str) -> Svc:
    return Svc(port, "http", "Apache Tomcat", version, "", _cpe("apache:tomcat", version))


def iis(port: int, version: str) -> Svc:
    return Svc(
        port,
        "http",
        "Microsoft IIS httpd",
        version,
        "",
        _cpe("microsoft:internet_information_services", version),
    )


def _cpe(product: str, version: str) -> str:
    return f"cpe:/a:{product}:{version}" if version else f"cpe:/a:{product}"


WINDOWS = "Microsoft Windows Server 2016"
WINDOWS_SERVER = (
    Svc(135, "msrpc", "Microsoft Windows RPC", cpe="cpe:/o:microsoft:windows"),
    Svc(139, "netbios-ssn", "Microsoft Windows netbios-ssn", cpe="cpe:/o:microsoft:windows"),
    Svc(445, "microsoft-ds", "Microsoft Windows Server 2008 R2 - 2012 microsoft-ds"),
    Svc(3389, "ms-wbt-server", "Microsoft Terminal Services", tunnel="ssl"),
)
DOMAIN_CONTROLLER = (
    Svc(53, "domain", "Simple DNS Plus"),
    Svc(88, "kerberos-sec", "Microsoft Windows Kerberos", cpe="cpe:/a:microsoft:kerberos"),
    Svc(389, "ldap", "Microsoft Windows Active Directory LDAP", extrainfo="Domain: ght.local"),
    *WINDOWS_SERVER,
)
PRINTER = (
    Svc(80, "http", "HP LaserJet printer http config", cpe="cpe:/h:hp:laserjet"),
    Svc(515, "printer"),
    Svc(631, "ipp", "HP LaserJet printer ipp"),
    Svc(9100, "jetdirect"),
)
SWITCH = (
    Svc(22, "ssh", "Cisco SSH", "1.25", "protocol 2.0"),
    Svc(23, "telnet", "Cisco router telnetd", cpe="cpe:/o:cisco:ios"),
    Svc(161, "snmp", "Cisco SNMP service", protocol="udp"),
)
REDIS_OLD = Svc(6379, "redis", "Redis key-value store", "5.0.7")
LINUX = "Linux 4.15 - 5.8"


def _boulogne() -> Network:
    return Network(
        scopes={
            "Serveurs et cœur de réseau": "10.92.1.0/28\n10.92.10.0/24",
            "Biomédical et imagerie": "10.92.40.0/24  # VLAN biomédical",
            "Postes et impression": "10.92.60.0/24",
        },
        days_ago=(49, 35, 21, 7),
        machines=(
            Machine(
                "10.92.1.1",
                "sw-coeur-01.ch-boulogne.local",
                "Cisco IOS 15.2",
                SWITCH,
                "Cisco Systems",
            ),
            Machine("10.92.10.5", "dc01.ch-boulogne.local", WINDOWS, DOMAIN_CONTROLLER, "VMware"),
            Machine(
                "10.92.10.20",
                "intranet.ch-boulogne.local",
                LINUX,
                (ssh("8.2p1", cpe_version="8.2p1"), apache(80, "2.4.49"), apache(443, "2.4.49")),
                "VMware",
            ),
            Machine(
                "10.92.10.31",
                "dpi-app01.ch-boulogne.local",
                WINDOWS,
                (*WINDOWS_SERVER, iis(80, "10.0"), tomcat(8080, "9.0.30")),
                "VMware",
            ),
            Machine(
                "10.92.10.40",
                "mirth-hl7.ch-boulogne.local",
                LINUX,
                (
                    ssh("8.9p1 Ubuntu 3ubuntu0.1", cpe_version="8.9p1"),
                    Svc(2575, "hl7", "Mirth Connect HL7 listener"),
                    Svc(6661, "hl7", "Mirth Connect HL7 listener"),
                    Svc(
                        8443,
                        "https",
                        "Jetty",
                        "9.4.43.v20210629",
                        cpe="cpe:/a:eclipse:jetty:9.4.43",
                        tunnel="ssl",
                    ),
                ),
                "VMware",
            ),
            Machine(
                "10.92.10.55",
                "labo-cache.ch-boulogne.local",
                LINUX,
                (ssh("8.4p1"), REDIS_OLD),
                "VMware",
            ),
            Machine(
                "10.92.10.60",
                "esx03.ch-boulogne.local",
                "VMware ESXi 6.7.0",
                (
                    Svc(
                        443,
                        "https",
                        "VMware ESXi SOAP API",
                        "6.7.0",
                        cpe="cpe:/o:vmware:esxi:6.7.0",
                        tunnel="ssl",
                    ),
                    Svc(
                        902, "vmware-auth", "VMware Authentication Daemon", "1.10", "Uses VNC, SOAP"
                    ),
                ),
                "Dell",
            ),
            Machine(
                "10.92.40.10",
                "pacs01.ch-boulogne.local",
                LINUX,
                (
                    ssh("7.4", cpe_version="7.4"),
                    Svc(104, "dicom", "DICOM Storage SCP"),
                    Svc(11112, "dicom", "DICOM Storage SCP"),
                    nginx(443, "1.18.0"),
                ),
                "Hewlett Packard Enterprise",
            ),
            Machine(
                "10.92.40.21",
                "irm-console.ch-boulogne.local",
                "Microsoft Windows 7 SP1",
                (
                    *WINDOWS_SERVER[:3],
                    Svc(104, "dicom", "DICOM Storage SCP"),
                ),
                "Siemens Healthineers",
            ),
            Machine(
                "10.92.60.12",
                "imp-urgences.ch-boulogne.local",
                "HP LaserJet printer",
                PRINTER,
                "Hewlett Packard",
                seen=(0, 1, 3),
            ),
            Machine(
                "10.92.60.13",
                "imp-pharmacie.ch-boulogne.local",
                "HP LaserJet printer",
                PRINTER,
                "Hewlett Packard",
            ),
            Machine(
                "10.92.60.77",
                "ws-radio-07.ch-boulogne.local",
                "Microsoft Windows 10",
                WINDOWS_SERVER,
                "Dell",
                seen=(1, 2, 3),
            ),
        ),
        changes=(
            # The intranet is upgraded between the second and the third scan: its CVEs are fixed.
            Change(2, "10.92.10.20", 80, apache(80, "2.4.62")),
            Change(2, "10.92.10.20", 443, apache(443, "2.4.62")),
            # The lab cache is firewalled, then opened again by a vendor's intervention.
            Change(2, "10.92.10.55", 6379, None, end=3),
        ),
    )


def _nanterre() -> Network:
    return Network(
        scopes={"Serveurs": "10.93.10.0/24", "Biomédical": "10.93.40.0/24"},
        days_ago=(45, 24, 4),
        machines=(
            Machine(
                "10.93.10.5", "ad-nanterre.ch-nanterre.local", WINDOWS, DOMAIN_CONTROLLER, "VMware"
            ),
            Machine(
                "10.93.10.12",
                "rh8-gam.ch-nanterre.local",
                "Linux 4.18 (Red Hat Enterprise Linux 8)",
                (ssh("8.0", cpe_version="8.0"), Svc(9090, "http", "Cockpit web service", "295")),
                "VMware",
            ),
            Machine(
                "10.93.10.20",
                "web-rdv.ch-nanterre.local",
                LINUX,
                (
                    ssh("8.4p1"),
                    nginx(80, "1.18.0"),
                    Svc(
                        8080, "http", "Jetty", "9.4.43.v20210629", cpe="cpe:/a:eclipse:jetty:9.4.43"
                    ),
                ),
                "VMware",
            ),
            Machine(
                "10.93.10.30",
                "ftp-labo.ch-nanterre.local",
                LINUX,
                (
                    Svc(21, "ftp", "ProFTPD", "1.3.5", cpe="cpe:/a:proftpd:proftpd:1.3.5"),
                    ssh("7.4"),
                ),
                "VMware",
            ),
            Machine(
                "10.93.10.44",
                "elk-logs.ch-nanterre.local",
                LINUX,
                (
                    Svc(
                        9200,
                        "http",
                        "Elasticsearch REST API",
                        "7.10.1",
                        cpe="cpe:/a:elasticsearch:elasticsearch:7.10.1",
                    ),
                    ssh("8.4p1"),
                ),
                "VMware",
                seen=(1, 2),
            ),
            Machine(
                "10.93.40.8",
                "pacs-nanterre.ch-nanterre.local",
                LINUX,
                (
                    Svc(104, "dicom", "DICOM Storage SCP"),
                    tomcat(8080, "8.5.50"),
                ),
                "Dell",
            ),
            Machine(
                "10.93.40.30",
                "pompe-passerelle.ch-nanterre.local",
                "Linux 3.2 - 4.9",
                (
                    Svc(23, "telnet", "BusyBox telnetd", "1.14.0"),
                    Svc(80, "http", "lighttpd", "1.4.35", cpe="cpe:/a:lighttpd:lighttpd:1.4.35"),
                ),
                "B. Braun Melsungen",
            ),
        ),
        changes=(
            Change(1, "10.93.10.20", 80, nginx(80, "1.26.2")),
            Change(1, "10.93.40.30", 23, None, end=2),
        ),
    )


def _suresnes() -> Network:
    return Network(
        scopes={"Réseau du site": "192.168.50.0/24"},
        days_ago=(40, 5),
        machines=(
            Machine(
                "192.168.50.2",
                "srv-hdj.hdj-suresnes.local",
                WINDOWS,
                (*WINDOWS_SERVER, iis(80, "8.5")),
                "Dell",
            ),
            Machine(
                "192.168.50.10",
                "nas-hdj.hdj-suresnes.local",
                LINUX,
                (
                    ssh("7.4"),
                    Svc(
                        445,
                        "netbios-ssn",
                        "Samba smbd",
                        "4.9.5-Debian",
                        cpe="cpe:/a:samba:samba:4.9.5",
                    ),
                    nginx(443, "1.14.2"),
                ),
                "Synology",
            ),
            Machine(
                "192.168.50.30",
                "imp-accueil.hdj-suresnes.local",
                "HP LaserJet printer",
                PRINTER,
                "Hewlett Packard",
            ),
        ),
    )


def _ehpad(third: int, days: tuple[int, ...]) -> Network:
    prefix = f"192.168.{third}"
    return Network(
        scopes={"Réseau de l'EHPAD": f"{prefix}.0/24"},
        days_ago=days,
        machines=(
            Machine(
                f"{prefix}.1",
                "box-internet",
                "Linux 3.x",
                (
                    Svc(80, "http", "lighttpd", "1.4.35", cpe="cpe:/a:lighttpd:lighttpd:1.4.35"),
                    Svc(23, "telnet", "BusyBox telnetd", "1.14.0"),
                ),
                "Sagemcom",
            ),
            Machine(
                f"{prefix}.10",
                "srv-soins",
                WINDOWS,
                (
                    *WINDOWS_SERVER,
                    Svc(1433, "ms-sql-s", "Microsoft SQL Server 2014", "12.00.2000.00"),
                ),
                "Dell",
            ),
            Machine(
                f"{prefix}.20",
                "nas-ehpad",
                LINUX,
                (ssh("7.4"), REDIS_OLD, nginx(80, "1.14.2")),
                "Synology",
            ),
            Machine(
                f"{prefix}.40", "imp-infirmerie", "HP LaserJet printer", PRINTER, "Hewlett Packard"
            ),
        ),
    )


def _operator() -> Network:
    return Network(
        scopes={"DMZ de l'opérateur": "172.20.0.0/24"},
        days_ago=(50, 29, 8),
        machines=(
            Machine(
                "172.20.0.1",
                "vpn.operateur.local",
                "Fortinet FortiGate firewall",
                (
                    Svc(
                        443,
                        "https",
                        "Fortinet FortiGate SSL VPN",
                        "",
                        cpe="cpe:/o:fortinet:fortios:6.4.4",
                        tunnel="ssl",
                    ),
                    Svc(541, "fgfm", "Fortinet FortiGate management"),
                ),
                "Fortinet",
            ),
            Machine(
                "172.20.0.10",
                "mail.operateur.local",
                LINUX,
                (
                    Svc(25, "smtp", "Exim smtpd", "4.94", cpe="cpe:/a:exim:exim:4.94"),
                    Svc(
                        993,
                        "imaps",
                        "Dovecot imapd",
                        "2.3.13",
                        cpe="cpe:/a:dovecot:dovecot:2.3.13",
                        tunnel="ssl",
                    ),
                    ssh("8.4p1"),
                ),
                "VMware",
            ),
            Machine(
                "172.20.0.20",
                "git.operateur.local",
                LINUX,
                (ssh("9.6"), nginx(443, "1.24.0")),
                "VMware",
            ),
        ),
        # The VPN gateway is upgraded after the CERT-FR alert: its FortiOS CVEs are fixed.
        changes=(
            Change(
                2,
                "172.20.0.1",
                443,
                Svc(
                    443,
                    "https",
                    "Fortinet FortiGate SSL VPN",
                    cpe="cpe:/o:fortinet:fortios:7.2.8",
                    tunnel="ssl",
                ),
            ),
        ),
    )


def _enrs() -> Network:
    return Network(
        scopes={"Plateforme ENRS": "172.21.0.0/24"},
        days_ago=(42, 14),
        machines=(
            Machine(
                "172.21.0.10",
                "portail.enrs.local",
                LINUX,
                (nginx(443, "1.20.1"), ssh("8.7")),
                "VMware",
            ),
            Machine(
                "172.21.0.11",
                "app-enrs.enrs.local",
                LINUX,
                (tomcat(8080, "9.0.83"), ssh("8.7")),
                "VMware",
            ),
            Machine(
                "172.21.0.12",
                "db-enrs.enrs.local",
                LINUX,
                (
                    Svc(
                        5432,
                        "postgresql",
                        "PostgreSQL DB",
                        "9.6.0 - 9.6.8",
                        cpe="cpe:/a:postgresql:postgresql:9.6",
                    ),
                    ssh("8.7"),
                ),
                "VMware",
            ),
        ),
    )


NETWORKS: dict[str, Network] = {
    "ch-boulogne": _boulogne(),
    "ch-nanterre": _nanterre(),
    "hdj-suresnes": _suresnes(),
    "ehpad-tilleuls": _ehpad(10, (30, 9)),
    "ehpad-glycines": _ehpad(20, (12,)),
    "operateur-si": _operator(),
    "enrs": _enrs(),
}


def hosts_at(network: Network, scan: int) -> list[Machine]:
    """The hosts that answered scan number `scan`, with the changes in effect then."""
    machines = []
    for machine in network.machines:
        if scan not in machine.seen:
            continue
        services = {svc.port: svc for svc in machine.services}
        for change in network.changes:
            if change.address == machine.address and change.start <= scan < change.end:
                if change.svc is None:
                    services.pop(change.port, None)
                else:
                    services[change.port] = change.svc
        machines.append(replace(machine, services=tuple(services.values())))
    return machines
