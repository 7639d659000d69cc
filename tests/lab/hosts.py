"""The lab's hosts: which daemons each runs and the findings a scan must report on it.

Expected findings are `(check id, port, key)` triples (see docs/scan-checks.md for the ids
and keys). Hardened hosts expect nothing above `low`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from tests.lab import daemons
from tests.lab.daemons import Daemon, HostContext

Expected = frozenset[tuple[str, int | None, str]]

HARDENED_REDIS_PASSWORD = "lab-Hardened-redis-2f8c1e"


@dataclass(frozen=True)
class HostSpec:
    name: str
    role: str
    builders: tuple[Callable[[HostContext], Daemon], ...]
    expected: Expected = frozenset()
    hardened: bool = False
    address_count: int = 1
    in_scan: bool = True  # False: kept out of the full-lab scan (the exclusion decoy)


HOSTS: tuple[HostSpec, ...] = (
    HostSpec(
        "legacy",
        "legacy server: anonymous FTP, telnet, SNMP public/private with a 2011 sysDescr",
        (daemons.vsftpd, daemons.telnetd, daemons.snmpd),
        frozenset(
            {
                ("ftp.anonymous-login", 21, ""),
                ("ftp.cleartext", 21, ""),
                ("telnet.exposed", 23, ""),
                ("snmp.default-community", 161, "public"),
                ("snmp.default-community", 161, "private"),
                ("snmp.write-community", 161, "private"),
            }
        ),
    ),
    HostSpec(
        "web",
        "legacy web server: TLS 1.0/1.1, expired self-signed RSA-1024 certificate, "
        "directory listing; Redis without password",
        (daemons.nginx_legacy, daemons.redis),
        frozenset(
            {
                ("tls.legacy-protocol", 443, "TLSv1.0"),
                ("tls.legacy-protocol", 443, "TLSv1.1"),
                ("tls.cert-expired", 443, ""),
                ("tls.cert-self-signed", 443, ""),
                ("tls.cert-weak-key", 443, ""),
                ("http.directory-listing", 443, "/"),
                ("redis.no-auth", 6379, ""),
            }
        ),
    ),
    HostSpec(
        "files",
        "file server: Samba with SMBv1 (NT1), signing disabled, a guest-readable share",
        (daemons.samba,),
        frozenset(
            {
                ("smb.v1-enabled", 445, ""),
                ("smb.signing-not-required", 445, ""),
                ("smb.guest-share-access", 445, "public"),
            }
        ),
    ),
    HostSpec(
        "data",
        "data services: MariaDB root without password, memcached, anonymous MQTT",
        (daemons.mariadb, daemons.memcached, daemons.mosquitto),
        frozenset(
            {
                ("mysql.empty-password", 3306, "root"),
                ("memcached.no-auth", 11211, ""),
                ("mqtt.anonymous", 1883, ""),
            }
        ),
    ),
    HostSpec(
        "pacs",
        "PACS and interfaces: DICOM SCP (any AE title) on 104 and 11112, HL7 MLLP on 2575",
        (partial(daemons.storescp, port=104), partial(daemons.storescp, port=11112), daemons.mllp),
        frozenset(
            {
                ("dicom.any-aet-accepted", 104, ""),
                ("dicom.any-aet-accepted", 11112, ""),
                ("hl7.mllp-exposed", 2575, ""),
            }
        ),
    ),
    HostSpec(
        "remote",
        "remote access: xrdp without NLA, VNC without authentication",
        (daemons.xrdp, daemons.xvnc),
        frozenset({("rdp.nla-not-enforced", 3389, ""), ("vnc.no-auth", 5900, "")}),
    ),
    HostSpec(
        "hardened",
        "hardened reference: OpenSSH keys only and modern algorithms, nginx TLS 1.2/1.3 with "
        "a certificate from the lab CA, Redis with a password",
        (
            daemons.sshd,
            daemons.nginx_hardened,
            partial(daemons.redis, password=HARDENED_REDIS_PASSWORD),
        ),
        hardened=True,
    ),
    HostSpec(
        "decoy",
        "exclusion decoy: two addresses, a listener recording every contact",
        (daemons.recorder,),
        address_count=2,
        in_scan=False,
    ),
)

REQUIRED_PROGRAMS = (
    "/usr/sbin/vsftpd",
    "/usr/sbin/inetd",
    "/usr/sbin/telnetd",
    "/usr/sbin/snmpd",
    "/usr/sbin/nginx",
    "/usr/bin/redis-server",
    "/usr/sbin/smbd",
    "/usr/sbin/mariadbd",
    "/usr/bin/mariadb-install-db",
    "/usr/bin/memcached",
    "/usr/sbin/mosquitto",
    "/usr/bin/storescp",
    "/usr/sbin/xrdp",
    "/usr/bin/Xvnc",
    "/usr/sbin/sshd",
    "/usr/bin/tcpdump",
    "/usr/bin/ss",
)
