"""Network service checks against real servers on 127.0.0.1 (high ports).

Real Debian servers, each with its own configuration in a temporary directory: Samba
`smbd`, `snmpd`, `memcached`, `mosquitto`, a private MariaDB instance
(`mariadb-install-db` + `mariadbd`), a private PostgreSQL 15 cluster (`initdb` + `pg_ctl`),
`xrdp` and TigerVNC `Xvnc`. Debian packages: samba snmpd memcached mosquitto mariadb-server
postgresql-15 xrdp tigervnc-standalone-server (+ tigervnc-tools for vncpasswd, openssl).

MongoDB, Elasticsearch and Microsoft SQL Server are not packaged in Debian: their tests use
small protocol responders (below) that stand in for them. The MSSQL responder is first
validated with python-tds, an independent TDS client, so that the check is not only tested
against the author's own reading of the protocol.

Every test talks to 127.0.0.1 only. Tests that need a missing binary are skipped.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import socket
import ssl
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest

from rempart.engine.checks import REGISTRY, load_all
from rempart.engine.checks.base import Check
from rempart.engine.model import Finding
from rempart.engine.tests.daemons import (
    LOOPBACK,
    CountingProxy,
    StubServer,
    UdpRecorder,
    context,
    free_port,
    require,
    running,
    scratch_dir,
    target,
    wait_tcp,
)

load_all()
DAEMONS = pytest.mark.xdist_group("daemons")


def check(check_id: str) -> Check:
    return REGISTRY[check_id]


def run(check_id: str, port: int, name: str, policy: str = "standard", **kw: Any) -> list[Finding]:
    protocol = kw.pop("protocol", "tcp")
    excluded = kw.pop("excluded", False)
    timeout = kw.pop("timeout", 3.0)
    host, service = target(port, name, protocol, **kw)
    assert check(check_id).applies(host, service)
    return check(check_id).run(context(policy, excluded=excluded, timeout=timeout), host, service)


# ------------------------------------------------------------------------- catalogue

CATALOGUE = Path(__file__).resolve().parents[3] / "docs" / "scan-checks.md"
MY_CHECKS = (
    "smb.v1-enabled",
    "smb.signing-not-required",
    "smb.guest-share-access",
    "snmp.default-community",
    "snmp.write-community",
    "mongodb.no-auth",
    "elasticsearch.no-auth",
    "memcached.no-auth",
    "mysql.empty-password",
    "postgresql.empty-password",
    "mssql.empty-password",
    "db.default-credentials",
    "mqtt.anonymous",
    "vnc.no-auth",
    "rdp.nla-not-enforced",
    "dicom.any-aet-accepted",
    "hl7.mllp-exposed",
)


def _catalogue_rows() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in CATALOGUE.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = (cells[1], cells[2])
    return rows


@pytest.mark.parametrize("check_id", MY_CHECKS)
def test_catalogue_entry_matches_the_documentation(check_id: str) -> None:
    severity, category = _catalogue_rows()[check_id]
    entry = check(check_id).describe()
    assert entry["severity"] == severity
    assert entry["category"] == category.split("/")[0]  # hl7: safe, active part in deep only
    for field in ("title", "description", "remediation"):
        assert len(entry[field]) > 20 or field.startswith("title"), field
    assert entry["references"]
    assert entry["confidence"] in ("confirmed", "firm", "tentative")


def test_engine_check_modules_do_not_import_django() -> None:
    code = (
        "import sys; from rempart.engine.checks import load_all; load_all(); "
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) "
        "else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": ""},
        check=False,
    )
    assert result.returncode == 0, "a check module imported Django"


# ----------------------------------------------------------------------------- SMB

SMB_COMMON = """
[global]
  workgroup = WORKGROUP
  server role = standalone server
  smb ports = {port}
  interfaces = 127.0.0.1
  bind interfaces only = yes
  disable netbios = yes
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  guest account = nobody
  lock directory = {d}/lock
  state directory = {d}/state
  cache directory = {d}/cache
  private dir = {d}/private
  pid directory = {d}/pid
  ncalrpc dir = {d}/ncalrpc
  log file = {d}/log/%m.log
  passdb backend = tdbsam:{d}/private/passdb.tdb
"""
SMB_WEAK = """  server min protocol = NT1
  server signing = disabled
  map to guest = Bad User
  restrict anonymous = 0
[public]
  path = {d}/share
  guest ok = yes
  read only = yes
[staff]
  path = {d}/share
  guest ok = no
  valid users = nosuchuser
"""
SMB_HARDENED = """  server min protocol = SMB2_10
  server signing = mandatory
  map to guest = Never
  restrict anonymous = 2
[public]
  path = {d}/share
  guest ok = no
  read only = yes
"""


def _smbd(directory: Path, weak: bool) -> Iterator[int]:
    for sub in ("lock", "state", "cache", "private", "pid", "ncalrpc", "log", "share"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    for name in ("scan-0001.pdf", "scan-0002.pdf"):
        (directory / "share" / name).write_text("x")
    port = free_port()
    config = (SMB_COMMON + (SMB_WEAK if weak else SMB_HARDENED)).format(port=port, d=directory)
    (directory / "smb.conf").write_text(config)
    args = ["smbd", "--foreground", "--no-process-group", "--debug-stdout", "-s"]
    with running("smbd", [*args, str(directory / "smb.conf")], directory / "out.log") as smbd:
        wait_tcp(port, smbd)
        yield port


@pytest.fixture(scope="module")
def smb_weak() -> Iterator[int]:
    require("smbd")
    with scratch_dir("smb-weak") as directory:
        yield from _smbd(directory, weak=True)


@pytest.fixture(scope="module")
def smb_hardened() -> Iterator[int]:
    require("smbd")
    with scratch_dir("smb-hard") as directory:
        yield from _smbd(directory, weak=False)


@DAEMONS
def test_smb_weak_samba_is_reported(smb_weak: int) -> None:
    v1 = run("smb.v1-enabled", smb_weak, "microsoft-ds")
    assert len(v1) == 1
    assert "NT LM 0.12" in v1[0].evidence
    signing = run("smb.signing-not-required", smb_weak, "microsoft-ds")
    assert len(signing) == 1
    assert "SMB 3.1.1" in signing[0].evidence
    shares = run("smb.guest-share-access", smb_weak, "microsoft-ds")
    assert [f.key for f in shares] == ["public"]  # not 'staff', not IPC$
    assert "2 entries" in shares[0].evidence
    assert "scan-0001" not in shares[0].evidence  # file names are never kept
    assert shares[0].severity == "high"
    assert shares[0].port == smb_weak


@DAEMONS
def test_smb_hardened_samba_is_clean(smb_hardened: int) -> None:
    for check_id in ("smb.v1-enabled", "smb.signing-not-required", "smb.guest-share-access"):
        assert run(check_id, smb_hardened, "microsoft-ds") == [], check_id


@DAEMONS
def test_smb_checks_never_contact_an_excluded_server(smb_weak: int) -> None:
    ids = ("smb.v1-enabled", "smb.signing-not-required", "smb.guest-share-access")
    with CountingProxy(smb_weak) as proxy:
        for check_id in ids:
            assert run(check_id, proxy.port, "microsoft-ds", excluded=True) == []
        assert proxy.settled_connections() == 0
        assert all(run(check_id, proxy.port, "microsoft-ds") for check_id in ids)
        assert proxy.connections >= 3


# ----------------------------------------------------------------------------- SNMP

SNMPD_CONF = """agentAddress udp:127.0.0.1:{port}
{communities}
sysDescr {descr}
sysContact rempart-test
"""


def _snmpd(directory: Path, communities: str, descr: str) -> Iterator[int]:
    port = free_port(socket.SOCK_DGRAM)
    conf = directory / "snmpd.conf"
    conf.write_text(SNMPD_CONF.format(port=port, communities=communities, descr=descr))
    args = ["snmpd", "-f", "-C", "-c", str(conf), "-Lf", str(directory / "snmpd.log")]
    env = {"SNMP_PERSISTENT_DIR": str(directory), "MIBS": "", "MIBDIRS": str(directory)}
    with running("snmpd", [*args, "-p", str(directory / "pid")], directory / "out", env=env):
        _wait_snmp(port)
        yield port


def _wait_snmp(port: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if _agent_ready(port):
            return
        time.sleep(0.2)
    raise RuntimeError("snmpd did not start")


def _agent_ready(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((LOOPBACK, 0))
        try:
            probe.connect((LOOPBACK, port))
            probe.send(b"\x30\x00")  # junk, dropped by snmpd; refused (ICMP) while not bound
            probe.settimeout(0.2)
            probe.recv(10)
        except TimeoutError:
            return True
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def snmp_weak() -> Iterator[int]:
    require("snmpd")
    communities = "rocommunity public 127.0.0.1\nrwcommunity private 127.0.0.1"
    with scratch_dir("snmp-weak") as directory:
        yield from _snmpd(directory, communities, "Linux pacs-gw 2.6.32")


@pytest.fixture(scope="module")
def snmp_hardened() -> Iterator[int]:
    require("snmpd")
    communities = "rocommunity Vq8-rempart-7Lx2-long 127.0.0.1"
    with scratch_dir("snmp-hard") as directory:
        yield from _snmpd(directory, communities, "hardened")


def _pdu_tags(datagrams: list[bytes]) -> set[int]:
    from rempart.engine.checks.snmp import _children, _read_tlv

    return {_children(_read_tlv(d, 0)[1])[2][0] for d in datagrams}


@DAEMONS
def test_snmp_default_communities_found_with_gets_only(snmp_weak: int) -> None:
    with UdpRecorder(snmp_weak) as recorder:
        found = run("snmp.default-community", recorder.port, "snmp", protocol="udp", timeout=1.5)
        written = run("snmp.write-community", recorder.port, "snmp", protocol="udp", timeout=1.5)
    assert sorted(f.key for f in found) == ["private", "public"]
    assert all("Linux pacs-gw 2.6.32" in f.evidence for f in found)
    assert all(f.protocol == "udp" and f.severity == "high" for f in found)
    assert [f.key for f in written] == ["private"]
    assert written[0].confidence == "tentative"
    assert written[0].severity == "critical"
    assert "no SET request was sent" in written[0].evidence
    # 9 communities x (v2c, v1), then 5 write-like x 2: bounded, and nothing but GetRequest
    assert len(recorder.datagrams) == 18 + 10
    assert _pdu_tags(recorder.datagrams) == {0xA0}


@DAEMONS
def test_snmp_hardened_agent_is_clean(snmp_hardened: int) -> None:
    assert run("snmp.default-community", snmp_hardened, "snmp", protocol="udp", timeout=1) == []
    assert run("snmp.write-community", snmp_hardened, "snmp", protocol="udp", timeout=1) == []


@DAEMONS
def test_snmp_excluded_agent_receives_nothing(snmp_weak: int) -> None:
    with UdpRecorder(snmp_weak) as recorder:
        assert (
            run("snmp.default-community", recorder.port, "snmp", protocol="udp", excluded=True)
            == []
        )
        assert (
            run("snmp.write-community", recorder.port, "snmp", protocol="udp", excluded=True) == []
        )
        time.sleep(0.2)
    assert recorder.datagrams == []


# ------------------------------------------------------------------------ memcached


@pytest.fixture(scope="module")
def memcached_ports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    """(open server, server requiring authentication with an auth file)."""
    require("memcached")
    directory = tmp_path_factory.mktemp("memcached")
    (directory / "auth").write_text("app:Secr3t-pass\n")
    open_port, auth_port = free_port(), free_port()
    base = ["memcached", "-u", "root", "-l", LOOPBACK, "-U", "0"]
    with (
        running("memcached", [*base, "-p", str(open_port)], directory / "a.log") as a,
        running(
            "memcached-auth",
            [*base, "-p", str(auth_port), "-Y", str(directory / "auth")],
            directory / "b.log",
        ) as b,
    ):
        wait_tcp(open_port, a)
        wait_tcp(auth_port, b)
        yield open_port, auth_port


@DAEMONS
def test_memcached(memcached_ports: tuple[int, int]) -> None:
    open_port, auth_port = memcached_ports
    found = run("memcached.no-auth", open_port, "memcache")
    assert len(found) == 1
    assert re.search(r"memcached 1\.\d+\.\d+", found[0].evidence)
    assert run("memcached.no-auth", auth_port, "memcache") == []
    with CountingProxy(open_port) as proxy:
        assert run("memcached.no-auth", proxy.port, "memcache", excluded=True) == []
        assert proxy.settled_connections() == 0


# ---------------------------------------------------------------------------- MQTT


@pytest.fixture(scope="module")
def mosquitto_ports() -> Iterator[dict[str, int]]:
    require("mosquitto", "mosquitto_passwd", "openssl")
    with scratch_dir("mqtt") as directory:
        subprocess.run(
            ["mosquitto_passwd", "-b", "-c", str(directory / "passwd"), "alice", "Secr3t-pw"],
            check=True,
            capture_output=True,
        )
        _self_signed(directory)
        ports = {"anonymous": free_port(), "password": free_port(), "tls": free_port()}
        conf = "\n".join(
            [
                "per_listener_settings true",
                "persistence false",
                f"listener {ports['anonymous']} 127.0.0.1",
                "allow_anonymous true",
                f"listener {ports['password']} 127.0.0.1",
                "allow_anonymous false",
                f"password_file {directory}/passwd",
                f"listener {ports['tls']} 127.0.0.1",
                "allow_anonymous true",
                f"certfile {directory}/cert.pem",
                f"keyfile {directory}/key.pem",
                "",
            ]
        )
        for name in ("passwd", "cert.pem", "key.pem"):
            os.chmod(directory / name, 0o644)
        (directory / "mosquitto.conf").write_text(conf)
        args = ["mosquitto", "-c", str(directory / "mosquitto.conf")]
        with running("mosquitto", args, directory / "mosquitto.log") as broker:
            for port in ports.values():
                wait_tcp(port, broker)
            yield ports


def _self_signed(directory: Path) -> None:
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=mqtt.test", "-keyout", str(directory / "key.pem"),
            "-out", str(directory / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


@DAEMONS
def test_mqtt_anonymous_broker(mosquitto_ports: dict[str, int]) -> None:
    found = run("mqtt.anonymous", mosquitto_ports["anonymous"], "mqtt")
    assert len(found) == 1
    assert "CONNACK return code 0" in found[0].evidence
    assert run("mqtt.anonymous", mosquitto_ports["password"], "mqtt") == []
    tls = run("mqtt.anonymous", mosquitto_ports["tls"], "mqtt", tunnel="ssl")
    assert len(tls) == 1
    assert "MQTT over TLS" in tls[0].evidence
    # a plain CONNECT to the TLS listener is no MQTT answer: nothing reported
    assert run("mqtt.anonymous", mosquitto_ports["tls"], "mqtt") == []


@DAEMONS
def test_mqtt_excluded_broker_not_contacted(mosquitto_ports: dict[str, int]) -> None:
    with CountingProxy(mosquitto_ports["anonymous"]) as proxy:
        assert run("mqtt.anonymous", proxy.port, "mqtt", excluded=True) == []
        assert proxy.settled_connections() == 0
        assert len(run("mqtt.anonymous", proxy.port, "mqtt")) == 1
        assert proxy.connections == 1


# ------------------------------------------------------------------- MariaDB/MySQL


class MariaDB:
    def __init__(self, directory: Path, port: int) -> None:
        self.directory, self.port = directory, port
        self.socket = directory / "mysqld.sock"

    def sql(self, statement: str) -> str:
        result = subprocess.run(
            [
                "mariadb",
                "--no-defaults",
                "-S",
                str(self.socket),
                "-u",
                "root",
                "-N",
                "-e",
                statement,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout

    def reset(self, password: str, *, lockout: bool = False) -> None:
        """root@127.0.0.1 with `password`; with `lockout`, one wrong password blocks it."""
        self.sql(
            f"ALTER USER root@'127.0.0.1' IDENTIFIED BY '{password}';"
            "GRANT ALL PRIVILEGES ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;"
            f"SET GLOBAL max_password_errors = {1 if lockout else 4294967295};"
            "FLUSH PRIVILEGES;"
        )
        if lockout:  # CONNECTION ADMIN exempts from max_password_errors
            self.sql("REVOKE ALL PRIVILEGES ON *.* FROM root@'127.0.0.1'; FLUSH PRIVILEGES;")


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDB]:
    require("mariadb-install-db", "mariadbd", "mariadb")
    directory = tmp_path_factory.mktemp("mariadb")
    subprocess.run(
        [
            "mariadb-install-db", "--no-defaults", f"--datadir={directory}/data", "--user=root",
            "--auth-root-authentication-method=normal", "--skip-test-db",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server = MariaDB(directory, free_port())
    args = [
        "mariadbd", "--no-defaults", f"--datadir={directory}/data", f"--socket={server.socket}",
        f"--port={server.port}", "--bind-address=127.0.0.1", "--user=root",
        "--skip-name-resolve", f"--pid-file={directory}/pid", "--skip-log-bin",
        "--innodb-buffer-pool-size=16M", f"--log-error={directory}/error.log",
    ]  # fmt: skip
    with running("mariadbd", args, directory / "out.log") as daemon:
        wait_tcp(server.port, daemon, timeout=60)
        yield server


@DAEMONS
def test_mysql_empty_root_password(mariadb: MariaDB) -> None:
    mariadb.reset("")
    with CountingProxy(mariadb.port) as proxy:
        found = run("mysql.empty-password", proxy.port, "mysql")
        assert proxy.connections == 1  # standard policy: one attempt, root only
    assert [f.key for f in found] == ["root"]
    assert "MariaDB" in found[0].evidence
    assert not found[0].evidence.count("5.5.5-")
    assert found[0].severity == "critical"


@DAEMONS
def test_mysql_with_a_password_is_clean_and_deep_tries_admin_too(mariadb: MariaDB) -> None:
    mariadb.reset("N0t-a-default!")
    with CountingProxy(mariadb.port) as proxy:
        assert run("mysql.empty-password", proxy.port, "mysql") == []
        assert proxy.connections == 1
        assert run("mysql.empty-password", proxy.port, "mysql", policy="deep") == []
        assert proxy.connections == 3  # root, then admin


@DAEMONS
def test_mysql_default_credentials_deep_policy(mariadb: MariaDB) -> None:
    mariadb.reset("root")
    found = run("db.default-credentials", mariadb.port, "mysql", policy="deep")
    assert [f.key for f in found] == ["mysql:root"]
    assert "password not stored" in found[0].evidence
    assert check("db.default-credentials").category == "intrusive"


@DAEMONS
def test_mysql_default_credentials_stop_at_a_lockout(mariadb: MariaDB) -> None:
    mariadb.reset("N0t-a-default!", lockout=True)
    with CountingProxy(mariadb.port) as proxy:
        assert run("db.default-credentials", proxy.port, "mysql", policy="deep") == []
        # 1st: wrong password (1045); 2nd: "user is blocked" (4150) → stop; no 3rd attempt
        assert proxy.connections == 2
    mariadb.reset("N0t-a-default!")


@DAEMONS
def test_mysql_excluded_server_not_contacted(mariadb: MariaDB) -> None:
    mariadb.reset("")
    with CountingProxy(mariadb.port) as proxy:
        assert run("mysql.empty-password", proxy.port, "mysql", excluded=True) == []
        assert run("db.default-credentials", proxy.port, "mysql", "deep", excluded=True) == []
        assert proxy.settled_connections() == 0


# ----------------------------------------------------------------------- PostgreSQL

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PostgresCluster:
    def __init__(self, directory: Path, port: int) -> None:
        self.directory, self.port = directory, port

    def ctl(self, *args: str) -> None:
        subprocess.run(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.directory / "data"), *args],
            check=True,
            capture_output=True,
            user="postgres",
        )

    def psql(self, statement: str) -> None:
        subprocess.run(
            [
                "psql",
                "-h",
                str(self.directory),
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-c",
                statement,
            ],
            check=True,
            capture_output=True,
        )

    def configure(self, method: str, password: str = "") -> None:
        """pg_hba: `method` for TCP from 127.0.0.1; unix socket stays `trust` for setup."""
        if password:
            self.psql(f"ALTER ROLE postgres PASSWORD '{password}'")
        hba = f"local all all trust\nhost all all 127.0.0.1/32 {method}\n"
        (self.directory / "data" / "pg_hba.conf").write_text(hba)
        self.ctl("reload")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresCluster]:
    require(str(PG_BIN / "initdb"), str(PG_BIN / "pg_ctl"), "psql")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("no 'postgres' system user to run the cluster")
    if os.geteuid() != 0:
        pytest.skip("starting a PostgreSQL cluster as 'postgres' needs root")
    with scratch_dir("postgres") as directory:
        os.chown(directory, pwd.getpwnam("postgres").pw_uid, -1)
        cluster = PostgresCluster(directory, free_port())
        subprocess.run(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(directory / "data"),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-N",
            ],
            check=True,
            capture_output=True,
            user="postgres",
        )
        options = f"-p {cluster.port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        cluster.ctl("-l", str(directory / "log"), "-o", options, "-w", "start")
        try:
            yield cluster
        finally:
            cluster.ctl("-m", "fast", "stop")


@DAEMONS
def test_postgresql_trust_is_reported(postgres: PostgresCluster) -> None:
    postgres.configure("trust")
    found = run("postgresql.empty-password", postgres.port, "postgresql")
    assert [f.key for f in found] == ["postgres"]
    assert "trust" in found[0].evidence
    assert "PostgreSQL 15" in found[0].evidence


@DAEMONS
def test_postgresql_scram_is_clean_and_default_password_found_in_deep(
    postgres: PostgresCluster,
) -> None:
    postgres.configure("scram-sha-256", password="postgres")
    with CountingProxy(postgres.port) as proxy:
        assert run("postgresql.empty-password", proxy.port, "postgresql") == []
        assert proxy.connections == 1  # one attempt, no SSL retry
        found = run("db.default-credentials", proxy.port, "postgresql", policy="deep")
    assert [f.key for f in found] == ["postgresql:postgres"]
    assert "password" in found[0].evidence


@DAEMONS
def test_postgresql_strong_password_three_attempts_at_most(postgres: PostgresCluster) -> None:
    postgres.configure("scram-sha-256", password="N0t-a-default!")
    with CountingProxy(postgres.port) as proxy:
        assert run("db.default-credentials", proxy.port, "postgresql", policy="deep") == []
        assert proxy.connections == 3
        assert run("postgresql.empty-password", proxy.port, "postgresql", excluded=True) == []
        assert proxy.connections == 3


# ------------------------------------------------------------- MongoDB (stand-in)


def bson(document: dict[str, Any]) -> bytes:
    """An independent little BSON encoder for the responder (str, float, int, bool, dict,
    list)."""
    body = b""
    for key, value in document.items():
        name = key.encode() + b"\x00"
        if isinstance(value, bool):
            body += b"\x08" + name + bytes([value])
        elif isinstance(value, int):
            body += b"\x10" + name + struct.pack("<i", value)
        elif isinstance(value, float):
            body += b"\x01" + name + struct.pack("<d", value)
        elif isinstance(value, str):
            raw = value.encode() + b"\x00"
            body += b"\x02" + name + struct.pack("<i", len(raw)) + raw
        elif isinstance(value, dict):
            body += b"\x03" + name + bson(value)
        else:
            body += b"\x04" + name + bson({str(i): v for i, v in enumerate(value)})
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


def _mongo_answer(require_auth: bool) -> bytes:
    if require_auth:
        return bson(
            {
                "ok": 0.0,
                "errmsg": "command listDatabases requires authentication",
                "code": 13,
                "codeName": "Unauthorized",
            }
        )
    names = ("admin", "config", "pacs_worklist")
    databases = [{"name": n, "sizeOnDisk": 8192.0, "empty": False} for n in names]
    return bson({"databases": databases, "totalSize": 24576.0, "ok": 1.0})


def _op_reply(request_id: int, document: bytes) -> bytes:
    payload = struct.pack("<iqii", 0, 0, 0, 1) + document
    return struct.pack("<iiii", 16 + len(payload), 1, request_id, 1) + payload


def mongo_responder(require_auth: bool, wire_version: int = 21) -> StubServer:
    """Stands in for mongod (not packaged in Debian): answers the OP_QUERY isMaster
    handshake, then commands in OP_MSG (wire version >= 6, MongoDB 3.6+; 21 is MongoDB 7)
    or in legacy OP_QUERY (older servers)."""

    def handle(conn: socket.socket, stub: StubServer) -> None:
        while True:
            length, request_id, _, opcode = struct.unpack("<iiii", stub.recv_exact(conn, 16))
            body = stub.recv_exact(conn, length - 16)
            if opcode == 2004 and b"isMaster" in body:
                hello = {"ismaster": True, "maxWireVersion": wire_version, "ok": 1.0}
                conn.sendall(_op_reply(request_id, bson(hello)))
                continue
            stub.state.setdefault("commands", []).append((opcode, body))
            if opcode == 2004:  # legacy command on admin.$cmd
                conn.sendall(_op_reply(request_id, _mongo_answer(require_auth)))
                continue
            payload = struct.pack("<I", 0) + b"\x00" + _mongo_answer(require_auth)
            conn.sendall(struct.pack("<iiii", 16 + len(payload), 2, request_id, 2013) + payload)

    return StubServer(handle)


def test_mongodb_without_auth_is_reported() -> None:
    with mongo_responder(require_auth=False) as stub:
        found = run("mongodb.no-auth", stub.port, "mongodb")
    assert len(found) == 1
    assert "3 databases (admin, config, pacs_worklist)" in found[0].evidence
    opcode, body = stub.state["commands"][0]
    assert opcode == 2013
    assert b"listDatabases" in body
    assert b"$db" in body


def test_mongodb_legacy_server_without_op_msg() -> None:
    with mongo_responder(require_auth=False, wire_version=5) as stub:  # MongoDB 3.4
        found = run("mongodb.no-auth", stub.port, "mongodb")
    assert len(found) == 1
    opcode, body = stub.state["commands"][0]
    assert opcode == 2004
    assert b"admin.$cmd" in body
    assert b"listDatabases" in body


def test_mongodb_with_auth_is_clean() -> None:
    with mongo_responder(require_auth=True) as stub:
        assert run("mongodb.no-auth", stub.port, "mongodb") == []
        assert stub.connections == 1


def test_mongodb_excluded_not_contacted() -> None:
    with mongo_responder(require_auth=False) as stub:
        assert run("mongodb.no-auth", stub.port, "mongodb", excluded=True) == []
        assert stub.settled_connections() == 0


# ------------------------------------------------------- Elasticsearch (stand-in)


ES_PRODUCT = "Elasticsearch REST API"  # what nmap -sV names it


class _ElasticHandler(BaseHTTPRequestHandler):
    """Stands in for Elasticsearch 7 (not packaged in Debian): `/` and `/_cat/indices`."""

    require_auth = False
    paths: list[str] = []

    def do_GET(self) -> None:
        type(self).paths.append(self.path)
        if self.require_auth and "Authorization" not in self.headers:
            self._json(401, {"error": {"type": "security_exception"}, "status": 401})
        elif self.path == "/":
            self._json(
                200,
                {"name": "node-1", "cluster_name": "dossiers", "tagline": "You Know, for Search",
                 "version": {"number": "7.10.2", "build_flavor": "default"}},
            )  # fmt: skip
        elif self.path.startswith("/_cat/indices"):
            self._json(200, [{"index": "patients-2024"}, {"index": "audit"}])
        else:
            self._json(404, {"status": 404})

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def _elastic(require_auth: bool) -> tuple[ThreadingHTTPServer, type[_ElasticHandler]]:
    handler = type("Handler", (_ElasticHandler,), {"require_auth": require_auth, "paths": []})
    server = ThreadingHTTPServer((LOOPBACK, 0), handler)
    Thread(target=server.serve_forever, daemon=True).start()
    return server, handler


def test_elasticsearch_open_cluster_is_reported() -> None:
    server, handler = _elastic(require_auth=False)
    try:
        found = run("elasticsearch.no-auth", server.server_port, "http", product=ES_PRODUCT)
    finally:
        server.shutdown()
    assert len(found) == 1
    assert "Elasticsearch 7.10.2" in found[0].evidence
    assert "'dossiers'" in found[0].evidence
    assert "listed 2 indices" in found[0].evidence
    assert handler.paths == ["/", "/_cat/indices?format=json"]


def test_elasticsearch_with_security_is_clean_and_excluded_not_contacted() -> None:
    server, handler = _elastic(require_auth=True)
    try:
        assert run("elasticsearch.no-auth", server.server_port, "http", product=ES_PRODUCT) == []
        assert handler.paths == ["/"]
        handler.paths.clear()
        assert (
            run(
                "elasticsearch.no-auth",
                server.server_port,
                "http",
                product=ES_PRODUCT,
                excluded=True,
            )
            == []
        )
        assert handler.paths == []
    finally:
        server.shutdown()


def test_elasticsearch_applies_to_nmap_names() -> None:
    es = check("elasticsearch.no-auth")
    assert es.applies(*target(9200, "wap-wsp"))
    assert es.applies(*target(9999, "http", product="Elasticsearch REST API"))
    assert not es.applies(*target(8080, "http"))


# --------------------------------------------------------------- MSSQL (stand-in)


def _tds(kind: int, payload: bytes) -> bytes:
    return struct.pack(">BBHHBB", kind, 1, len(payload) + 8, 0, 1, 0) + payload


def _tds_read(conn: socket.socket, stub: StubServer) -> tuple[int, bytes]:
    kind, payload = 0, b""
    while True:
        kind, status, length, _, _, _ = struct.unpack(">BBHHBB", stub.recv_exact(conn, 8))
        payload += stub.recv_exact(conn, length - 8)
        if status & 1:
            return kind, payload


def _login7_credentials(payload: bytes) -> tuple[str, str]:
    user_at, user_len, pw_at, pw_len = struct.unpack_from("<HHHH", payload, 40)
    user = payload[user_at : user_at + 2 * user_len].decode("utf-16-le")
    raw = bytes(
        ((b ^ 0xA5) >> 4) | (((b ^ 0xA5) & 0x0F) << 4) for b in payload[pw_at : pw_at + 2 * pw_len]
    )
    return user, raw.decode("utf-16-le")


def _us(text: str) -> bytes:
    return struct.pack("<H", len(text)) + text.encode("utf-16-le")


def _b(text: str) -> bytes:
    return bytes([len(text)]) + text.encode("utf-16-le")


DONE = b"\xfd" + struct.pack("<HHQ", 0, 0, 0)


def _login_ack() -> bytes:
    body = (
        b"\x01"
        + bytes.fromhex("74000004")
        + _b("Microsoft SQL Server")
        + bytes([16, 0, 0x10, 0x4E])
    )
    env = b"\x01" + _b("master") + _b("")  # ENVCHANGE database
    return (
        b"\xe3" + struct.pack("<H", len(env)) + env + b"\xad" + struct.pack("<H", len(body)) + body
    )


def _login_error(number: int, text: str) -> bytes:
    body = (
        struct.pack("<IBB", number, 1, 14)
        + _us(text)
        + _b("MSSQLSTUB")
        + _b("")
        + struct.pack("<I", 1)
    )
    return b"\xaa" + struct.pack("<H", len(body)) + body + b"\xfd" + struct.pack("<HHQ", 2, 0, 0)


class _ServerTls:
    """Server side of TDS 7.x TLS: handshake inside PRELOGIN packets, then raw records."""

    def __init__(self, conn: socket.socket, stub: StubServer, cert: Path) -> None:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.maximum_version = ssl.TLSVersion.TLSv1_2  # what SQL Server does for TDS 7.x
        tls.load_cert_chain(cert / "cert.pem", cert / "key.pem")
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = tls.wrap_bio(self.incoming, self.outgoing, server_side=True)
        self.conn, self.stub = conn, stub

    def handshake(self) -> None:
        while True:
            self.incoming.write(_tds_read(self.conn, self.stub)[1])
            try:
                self.tls.do_handshake()
                done = True
            except ssl.SSLWantReadError:
                done = False
            pending = self.outgoing.read()
            if pending:
                self.conn.sendall(_tds(0x12, pending))
            if done:
                return

    def read_packet(self) -> bytes:
        data = b""
        while len(data) < 8 or len(data) < struct.unpack(">H", data[2:4])[0]:
            try:
                data += self.tls.read(65536)
            except ssl.SSLWantReadError:
                self.incoming.write(self.stub.recv(self.conn, 65536))
        return data[8:]

    def send(self, data: bytes) -> None:
        self.tls.write(data)
        self.conn.sendall(self.outgoing.read())


def _prelogin_answer(encryption: int) -> bytes:
    options = [
        (0, bytes([16, 0, 0x10, 0x4E, 0, 0])),
        (1, bytes([encryption])),
        (2, b"\x00"),
        (3, b""),
        (4, b"\x00"),
    ]
    table, data, offset = b"", b"", len(options) * 5 + 1
    for token, value in options:
        table += struct.pack(">BHH", token, offset + len(data), len(value))
        data += value
    return _tds(4, table + b"\xff" + data)


def mssql_responder(
    accepted: dict[str, str],
    locked: bool = False,
    encryption: int = 2,
    cert: Path | None = None,
) -> StubServer:
    """Stands in for SQL Server (not packaged in Debian): PRELOGIN with `encryption`
    (2 = not supported; 0 = login packet only, over TLS; 1 = everything over TLS), then
    LOGIN7 answered with LOGINACK for the `accepted` user/password pairs, error 18456
    otherwise, or 18486 (account locked out) for every login when `locked`."""

    def handle(conn: socket.socket, stub: StubServer) -> None:
        _tds_read(conn, stub)  # PRELOGIN
        conn.sendall(_prelogin_answer(encryption))
        tls = None
        if encryption != 2:
            assert cert is not None
            tls = _ServerTls(conn, stub, cert)
            tls.handshake()
            login = tls.read_packet()
        else:
            login = _tds_read(conn, stub)[1]
        user, password = _login7_credentials(login)
        stub.state.setdefault("attempts", []).append((user, password))
        if locked:
            answer = _login_error(
                18486,
                f"Login failed for user '{user}' because the account is currently locked out.",
            )
        elif accepted.get(user) == password:
            answer = _login_ack() + DONE
        else:
            answer = _login_error(18456, f"Login failed for user '{user}'.")
        if tls is not None and encryption == 1:
            tls.send(_tds(4, answer))
            return
        conn.sendall(_tds(4, answer))
        while True:  # after a login: answer any batch with DONE (python-tds sends some)
            _tds_read(conn, stub)
            conn.sendall(_tds(4, DONE))

    return StubServer(handle)


@pytest.fixture(scope="module")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require("openssl")
    directory = tmp_path_factory.mktemp("cert")
    _self_signed(directory)
    return directory


@pytest.mark.parametrize(("encryption", "meaning"), [(0, "login only"), (1, "whole session")])
def test_mssql_login_over_tls(tls_cert: Path, encryption: int, meaning: str) -> None:
    """Most SQL Servers encrypt at least the LOGIN7 packet: the check speaks TLS inside TDS."""
    with mssql_responder({"sa": ""}, encryption=encryption, cert=tls_cert) as stub:
        found = run("mssql.empty-password", stub.port, "ms-sql-s")
    assert [f.key for f in found] == ["sa"], meaning
    assert stub.state["attempts"] == [("sa", "")]
    assert LOGIN7_APP_NAME not in bytes(stub.received)  # the LOGIN7 never crossed in clear


def test_mssql_responder_is_a_faithful_tds_server() -> None:
    """python-tds (an independent TDS implementation) logs in to the stand-in."""
    import pytds

    with mssql_responder({"sa": ""}) as stub:
        connection = pytds.connect(
            dsn=LOOPBACK, port=stub.port, user="sa", password="", autocommit=True,
            login_timeout=5, disable_connect_retry=True,
        )  # fmt: skip
        connection.close()
        with pytest.raises(pytds.tds_base.OperationalError) as refused:
            pytds.connect(
                dsn=LOOPBACK, port=stub.port, user="sa", password="bad", autocommit=True,
                login_timeout=5, disable_connect_retry=True,
            )  # fmt: skip
    assert refused.value.msg_no == 18456
    assert stub.state["attempts"] == [("sa", ""), ("sa", "bad")]


LOGIN7_APP_NAME = "Rempart scanner".encode("utf-16-le")


def test_mssql_empty_sa_password() -> None:
    with mssql_responder({"sa": ""}) as stub:
        found = run("mssql.empty-password", stub.port, "ms-sql-s")
    assert LOGIN7_APP_NAME in bytes(stub.received)  # no encryption offered: LOGIN7 in clear
    assert [f.key for f in found] == ["sa"]
    assert "Microsoft SQL Server 16.0.4174" in found[0].evidence
    assert stub.state["attempts"] == [("sa", "")]


def test_mssql_with_password_one_attempt_and_default_credentials() -> None:
    with mssql_responder({"sa": "Password123"}) as stub:
        assert run("mssql.empty-password", stub.port, "ms-sql-s") == []
        found = run("db.default-credentials", stub.port, "ms-sql-s", policy="deep")
    assert [f.key for f in found] == ["mssql:sa"]
    assert "Password123" not in found[0].evidence
    assert stub.state["attempts"] == [
        ("sa", ""),
        ("sa", "sa"),
        ("sa", "password"),
        ("sa", "Password123"),
    ]


def test_mssql_lockout_stops_after_one_attempt() -> None:
    with mssql_responder({}, locked=True) as stub:
        assert run("db.default-credentials", stub.port, "ms-sql-s", policy="deep") == []
    assert stub.state["attempts"] == [("sa", "sa")]


def test_mssql_excluded_not_contacted() -> None:
    with mssql_responder({"sa": ""}) as stub:
        assert run("mssql.empty-password", stub.port, "ms-sql-s", excluded=True) == []
        assert run("db.default-credentials", stub.port, "ms-sql-s", "deep", excluded=True) == []
        assert stub.settled_connections() == 0


# ----------------------------------------------------------------------------- VNC


@pytest.fixture(scope="module")
def vnc_ports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    """(Xvnc with SecurityTypes None, Xvnc with a VNC password)."""
    require("Xvnc", "vncpasswd")
    directory = tmp_path_factory.mktemp("vnc")
    with (directory / "passwd").open("wb") as out:
        subprocess.run(["vncpasswd", "-f"], input=b"S3cret-pw\n", stdout=out, check=True)
    open_port, auth_port = free_port(), free_port()
    common = ["-localhost", "-interface", LOOPBACK, "-nolisten", "tcp", "-geometry", "320x240"]
    displays = [_free_display(), _free_display(skip=1)]
    with (
        running(
            "Xvnc-none",
            ["Xvnc", f":{displays[0]}", "-rfbport", str(open_port), "-SecurityTypes", "None",
             *common],
            directory / "none.log",
        ) as a,
        running(
            "Xvnc-password",
            ["Xvnc", f":{displays[1]}", "-rfbport", str(auth_port), "-SecurityTypes", "VncAuth",
             "-rfbauth", str(directory / "passwd"), *common],
            directory / "auth.log",
        ) as b,
    ):  # fmt: skip
        wait_tcp(open_port, a)
        wait_tcp(auth_port, b)
        yield open_port, auth_port


def _free_display(skip: int = 0) -> int:
    free = [n for n in range(40, 99) if not Path(f"/tmp/.X11-unix/X{n}").exists()]  # noqa: S108
    return free[skip]


@DAEMONS
def test_vnc(vnc_ports: tuple[int, int]) -> None:
    open_port, auth_port = vnc_ports
    found = run("vnc.no-auth", open_port, "vnc")
    assert len(found) == 1
    assert "None (1)" in found[0].evidence
    assert "RFB 003.008" in found[0].evidence
    assert run("vnc.no-auth", auth_port, "vnc") == []
    with CountingProxy(open_port) as proxy:
        assert run("vnc.no-auth", proxy.port, "vnc", excluded=True) == []
        assert proxy.settled_connections() == 0


# ----------------------------------------------------------------------------- RDP


@pytest.fixture(scope="module")
def xrdp_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    require("xrdp")
    if not Path("/etc/xrdp/xrdp.ini").exists():
        pytest.skip("xrdp is installed without /etc/xrdp/xrdp.ini")
    directory = tmp_path_factory.mktemp("xrdp")
    port = free_port()
    ini = re.sub(
        r"(?m)^port=3389$", f"port=tcp://127.0.0.1:{port}", Path("/etc/xrdp/xrdp.ini").read_text()
    )
    (directory / "xrdp.ini").write_text(ini)
    with running(
        "xrdp", ["xrdp", "--nodaemon", "-c", str(directory / "xrdp.ini")], directory / "log"
    ) as d:
        wait_tcp(port, d)
        yield port


@DAEMONS
def test_rdp_xrdp_does_not_enforce_nla(xrdp_port: int) -> None:
    found = run("rdp.nla-not-enforced", xrdp_port, "ms-wbt-server")
    assert len(found) == 1
    assert "requestedProtocols=0 (standard RDP security): selected protocol 0" in found[0].evidence
    assert "requestedProtocols=1 (TLS without NLA): selected protocol 1" in found[0].evidence


def nla_enforcing_rdp() -> StubServer:
    """Stands in for a Windows host with NLA required (xrdp cannot enforce CredSSP): every
    X.224 connection request gets RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER."""

    def handle(conn: socket.socket, stub: StubServer) -> None:
        stub.recv(conn, 64)
        conn.sendall(bytes.fromhex("030000130ed000001234000300080005000000"))

    return StubServer(handle)


def test_rdp_nla_enforced_is_clean_and_excluded_not_contacted() -> None:
    with nla_enforcing_rdp() as stub:
        assert run("rdp.nla-not-enforced", stub.port, "ms-wbt-server") == []
        assert stub.connections == 2  # PROTOCOL_RDP and PROTOCOL_SSL requests
        assert run("rdp.nla-not-enforced", stub.port, "ms-wbt-server", excluded=True) == []
        assert stub.connections == 2
