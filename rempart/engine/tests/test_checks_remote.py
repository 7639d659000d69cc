"""Remote administration checks (FTP, Telnet, r-services, SSH) against real servers.

Everything listens on 127.0.0.1, high ports:
- FTP: Debian's vsftpd, plain and with explicit FTPS (ssl_enable=YES);
- Telnet: Debian's inetutils telnetd, and the netkit r-services (in.rexecd, in.rlogind,
  in.rshd), each started per connection by a small inetd-like accept loop (as inetd
  would); plus a silent port and an SSH server named "telnet" by mistake;
- SSH: Debian's OpenSSH sshd with its own host keys, in a stock configuration and in a
  weak one (group1/gex-sha1 key exchange, ssh-rsa and ssh-dss host keys, a 1024-bit RSA
  key, 3des-cbc/aes128-cbc ciphers, hmac-md5/hmac-sha1-96 MACs); SSH protocol 1 no longer
  exists in any packaged server, so it is a one-line stand-in that sends "SSH-1.99-…".
Debian packages: vsftpd openssh-server inetutils-telnetd rsh-server (+ openssl).

Scope: each check also runs with 127.0.0.1 excluded, through a counting proxy in front of
the real server; it must return nothing and the proxy must see no connection.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rempart.engine.checks import REGISTRY, load_all
from rempart.engine.checks.base import Check
from rempart.engine.checks.ssh import KEX_METHODS, SshProbe, ssh_probe, weak_algorithms
from rempart.engine.checks.telnet import parse_telnet, refusals
from rempart.engine.model import Finding
from rempart.engine.tests.daemons import (
    LOOPBACK,
    CountingProxy,
    StubServer,
    context,
    free_port,
    require,
    running,
    scratch_dir,
    target,
    wait_tcp,
)

load_all()
DAEMONS = pytest.mark.xdist_group("remote-daemons")
ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="sshd and vsftpd need root here")


def check(check_id: str) -> Check:
    return REGISTRY[check_id]


def run(check_id: str, port: int, name: str) -> list[Finding]:
    host, service = target(port, name)
    return check(check_id).run(context(), host, service)


def assert_out_of_scope(check_ids: list[str], upstream: int, name: str) -> None:
    """With 127.0.0.1 excluded: no finding, and not a single connection."""
    with CountingProxy(upstream) as proxy:
        host, service = target(proxy.port, name)
        for check_id in check_ids:
            assert check(check_id).applies(host, service)
            assert check(check_id).run(context(excluded=True), host, service) == []
        assert proxy.connections == 0
        assert check(check_ids[0]).run(context(), *target(proxy.port, name)) is not None
        assert proxy.connections >= 1  # the witness does count real connections


# --- an inetd-like accept loop for telnetd and the r-services ------------------------------


class Inetd:
    """Accepts on a free port and runs `program` per connection with the socket as its
    standard input and output, like inetd's `nowait` services; children are stopped by pid."""

    def __init__(self, program: str) -> None:
        self.program = program
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.children: list[subprocess.Popen[bytes]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> Inetd:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()
        for child in self.children:
            if child.poll() is None:
                child.kill()
            child.wait(5)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                child = subprocess.Popen(
                    [self.program],
                    stdin=conn.fileno(),
                    stdout=conn.fileno(),
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            self.children.append(child)


# --- FTP --------------------------------------------------------------------------------

VSFTPD_CONF = """listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port={port}
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=NO
secure_chroot_dir={root}/empty
nopriv_user=nobody
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
xferlog_enable=NO
"""
VSFTPD_TLS = """ssl_enable=YES
rsa_cert_file={root}/ftp.pem
rsa_private_key_file={root}/ftp.pem
"""


@pytest.fixture(scope="module")
def vsftpd() -> Iterator[Callable[[bool], int]]:
    """Starts vsftpd (plain, or with explicit FTPS) on demand; yields its port."""
    require("/usr/sbin/vsftpd", "openssl")
    started: dict[bool, int] = {}
    with scratch_dir("vsftpd") as root, contextlib.ExitStack() as stack:
        (root / "empty").mkdir(mode=0o755)

        def start(tls: bool) -> int:
            if tls not in started:
                started[tls] = _start_vsftpd(stack, root, tls)
            return started[tls]

        yield start


def _start_vsftpd(stack: contextlib.ExitStack, root: Path, tls: bool) -> int:
    port = free_port()
    conf = VSFTPD_CONF.format(port=port, root=root)
    if tls:
        _self_signed_pem(root / "ftp.pem")
        conf += VSFTPD_TLS.format(root=root)
    path = root / f"vsftpd-{'tls' if tls else 'plain'}.conf"
    path.write_text(conf)
    path.chmod(0o600)
    daemon = stack.enter_context(
        running("vsftpd", ["/usr/sbin/vsftpd", str(path)], root / f"{path}.log")
    )
    wait_tcp(port, daemon)
    return port


def _self_signed_pem(path: Path) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=ftp.test", "-keyout", str(path), "-out", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip


@ROOT
@DAEMONS
def test_ftp_cleartext_reported_on_vsftpd_without_tls(vsftpd: Callable[[bool], int]) -> None:
    port = vsftpd(False)
    findings = run("ftp.cleartext", port, "ftp")
    assert [(f.check, f.severity, f.key, f.port) for f in findings] == [
        ("ftp.cleartext", "medium", "", port)
    ]
    assert "vsFTPd 3" in findings[0].evidence
    assert "AUTH TLS answered: 530" in findings[0].evidence


@ROOT
@DAEMONS
def test_ftp_cleartext_silent_on_vsftpd_with_auth_tls(vsftpd: Callable[[bool], int]) -> None:
    assert run("ftp.cleartext", vsftpd(True), "ftp") == []


def test_ftp_cleartext_not_applied_to_implicit_ftps() -> None:
    host, service = target(990, "ftps", tunnel="ssl")
    assert not check("ftp.cleartext").applies(host, service)
    host, service = target(21, "ftp")
    assert check("ftp.cleartext").applies(host, service)


@ROOT
@DAEMONS
def test_ftp_checks_never_connect_out_of_scope(vsftpd: Callable[[bool], int]) -> None:
    assert_out_of_scope(["ftp.cleartext", "ftp.anonymous-login"], vsftpd(False), "ftp")


# --- Telnet and r-services ----------------------------------------------------------------


@DAEMONS
def test_telnet_real_telnetd_is_reported_from_its_negotiation() -> None:
    require("/usr/sbin/telnetd")
    with Inetd("/usr/sbin/telnetd") as telnetd:
        findings = run("telnet.exposed", telnetd.port, "telnet")
    assert [(f.check, f.severity, f.confidence, f.key) for f in findings] == [
        ("telnet.exposed", "high", "confirmed", "")
    ]
    assert "Telnet option negotiation:" in findings[0].evidence
    assert "DO TERMINAL-TYPE" in findings[0].evidence


def _silent(conn: socket.socket, stub: StubServer) -> None:
    conn.settimeout(5)
    stub.recv(conn, 16)  # says nothing; waits for the client to give up


def _ssh_banner(conn: socket.socket, stub: StubServer) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.2p1\r\n")
    stub.recv(conn, 16)


def _ssh1_banner(conn: socket.socket, stub: StubServer) -> None:
    conn.sendall(b"SSH-1.99-OpenSSH_3.9p1\r\n")
    stub.recv(conn, 64)


def test_telnet_silent_port_is_reported_firm() -> None:
    with StubServer(_silent) as stub:
        findings = run("telnet.exposed", stub.port, "telnet")
    assert [(f.check, f.confidence) for f in findings] == [("telnet.exposed", "firm")]
    assert "says nothing within 2 s" in findings[0].evidence
    assert stub.connections == 1


def test_telnet_port_speaking_another_protocol_is_not_reported() -> None:
    with StubServer(_ssh_banner) as stub:
        assert run("telnet.exposed", stub.port, "telnet") == []


def test_telnet_negotiation_parsing_and_refusals() -> None:
    data = bytes([255, 253, 24, 255, 251, 1]) + b"\r\nlogin: "
    commands, text = parse_telnet(data)
    assert commands == [(253, 24), (251, 1)]
    assert text == b"\r\nlogin: "
    assert refusals(commands) == bytes([255, 252, 24, 255, 254, 1])


@pytest.mark.parametrize(
    ("program", "name", "key"),
    [
        ("in.rexecd", "exec", "rexec"),
        ("in.rlogind", "login", "rlogin"),
        ("in.rshd", "shell", "rsh"),
    ],
)
@DAEMONS
def test_r_services_real_daemons_are_reported(program: str, name: str, key: str) -> None:
    require(f"/usr/sbin/{program}")
    with Inetd(f"/usr/sbin/{program}") as daemon:
        findings = run("cleartext.r-services", daemon.port, name)
    assert [(f.check, f.severity, f.key) for f in findings] == [
        ("cleartext.r-services", "high", key)
    ]
    assert f"{key} port {daemon.port}/tcp accepts connections" in findings[0].evidence


def test_r_services_apply_to_their_ports_only() -> None:
    for port, applies in ((512, True), (513, True), (514, True), (515, False)):
        host, service = target(port, "")
        assert check("cleartext.r-services").applies(host, service) is applies
    host, service = target(514, "syslog", protocol="udp")
    assert not check("cleartext.r-services").applies(host, service)


@DAEMONS
def test_telnet_and_r_services_never_connect_out_of_scope() -> None:
    require("/usr/sbin/telnetd", "/usr/sbin/in.rlogind")
    with Inetd("/usr/sbin/telnetd") as telnetd:
        assert_out_of_scope(["telnet.exposed"], telnetd.port, "telnet")
    with Inetd("/usr/sbin/in.rlogind") as rlogind:
        assert_out_of_scope(["cleartext.r-services"], rlogind.port, "login")


# --- SSH --------------------------------------------------------------------------------

SSHD_BASE = """ListenAddress 127.0.0.1:{port}
PidFile none
UsePAM no
LogLevel VERBOSE
"""
SSHD_WEAK = """KexAlgorithms +diffie-hellman-group1-sha1,diffie-hellman-group-exchange-sha1
Ciphers +3des-cbc,aes128-cbc
HostKeyAlgorithms +ssh-rsa,ssh-dss
MACs +hmac-md5,hmac-sha1-96
"""


def _host_key(root: Path, name: str, *args: str) -> Path:
    path = root / name
    subprocess.run(
        ["ssh-keygen", "-q", "-N", "", "-f", str(path), *args], check=True, capture_output=True
    )
    return path


@pytest.fixture(scope="module")
def sshd() -> Iterator[dict[str, int]]:
    """Two real sshd: "stock" (Debian 12 defaults, RSA 3072 + ECDSA + Ed25519 host keys)
    and "weak" (legacy algorithms re-enabled, RSA 1024 and DSA host keys)."""
    require("/usr/sbin/sshd", "ssh-keygen")
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation dir
    with scratch_dir("sshd") as root, contextlib.ExitStack() as stack:
        stock = [
            _host_key(root, "rsa3072", "-t", "rsa", "-b", "3072"),
            _host_key(root, "ecdsa", "-t", "ecdsa"),
            _host_key(root, "ed25519", "-t", "ed25519"),
        ]
        weak = [_host_key(root, "rsa1024", "-t", "rsa", "-b", "1024")]
        weak += [_host_key(root, "dsa", "-t", "dsa")]
        ports = {}
        for name, keys, extra in (("stock", stock, ""), ("weak", weak, SSHD_WEAK)):
            port = free_port()
            conf = SSHD_BASE.format(port=port) + "".join(f"HostKey {k}\n" for k in keys) + extra
            (root / f"{name}.conf").write_text(conf)
            args = ["/usr/sbin/sshd", "-D", "-e", "-f", str(root / f"{name}.conf")]
            wait_tcp(port, stack.enter_context(running(f"sshd-{name}", args, root / f"{name}.log")))
            ports[name] = port
        yield ports


@ROOT
@DAEMONS
def test_ssh_stock_debian_openssh_is_not_reported(sshd: dict[str, int]) -> None:
    host, service = target(sshd["stock"], "ssh")
    probe = ssh_probe(context(), host, service)
    assert probe.banner.startswith("SSH-2.0-OpenSSH_9")
    assert "ecdh-sha2-nistp256" in probe.kexinit["kex"]  # NIST curves offered, not reported
    assert "umac-64-etm@openssh.com" in probe.kexinit["mac"]
    assert probe.rsa_bits == 3072
    assert run("ssh.weak-algorithms", sshd["stock"], "ssh") == []
    assert run("ssh.protocol-1", sshd["stock"], "ssh") == []


@ROOT
@DAEMONS
def test_ssh_weak_configuration_reported_per_algorithm_kind(sshd: dict[str, int]) -> None:
    findings = run("ssh.weak-algorithms", sshd["weak"], "ssh")
    by_kind = {f.key: f for f in findings}
    assert sorted(by_kind) == ["enc", "kex", "key", "mac"]
    assert all(f.severity == "medium" and f.check == "ssh.weak-algorithms" for f in findings)
    assert "diffie-hellman-group1-sha1" in by_kind["kex"].evidence
    assert "diffie-hellman-group-exchange-sha1" in by_kind["kex"].evidence
    assert "curve25519" not in by_kind["kex"].evidence
    assert "ssh-rsa (RSA signatures with SHA-1)" in by_kind["key"].evidence
    assert "ssh-dss" in by_kind["key"].evidence
    assert "RSA host key of 1024 bits" in by_kind["key"].evidence
    assert "3des-cbc" in by_kind["enc"].evidence
    assert "aes128-cbc" in by_kind["enc"].evidence
    assert "aes256-gcm" not in by_kind["enc"].evidence
    assert "hmac-md5" in by_kind["mac"].evidence
    assert "hmac-sha1-96" in by_kind["mac"].evidence
    assert by_kind["kex"].title == "Weak SSH key exchange algorithms offered"
    assert run("ssh.protocol-1", sshd["weak"], "ssh") == []


@ROOT
@DAEMONS
@pytest.mark.parametrize("method", [m for m in KEX_METHODS if "@" not in m])
def test_ssh_rsa_key_measured_through_each_key_exchange(sshd: dict[str, int], method: str) -> None:
    """Each key exchange the probe implements gets the host key from the real sshd."""
    with scratch_dir("sshd-kex") as root:
        key = _host_key(root, "rsa", "-t", "rsa", "-b", "1024")
        port = free_port()
        conf = SSHD_BASE.format(port=port) + f"HostKey {key}\nKexAlgorithms {method}\n"
        (root / "kex.conf").write_text(conf)
        args = ["/usr/sbin/sshd", "-D", "-e", "-f", str(root / "kex.conf")]
        with running("sshd-kex", args, root / "kex.log") as daemon:
            wait_tcp(port, daemon)
            probe = ssh_probe(context(), *target(port, "ssh"))
    assert probe.error == ""
    assert probe.kexinit["kex"][0] == method
    assert probe.rsa_bits == 1024


def test_ssh_weak_algorithm_list() -> None:
    """What is reported, and what a maintained OpenSSH offers by default and is not."""
    probe = SshProbe(
        kexinit={
            "kex": ["curve25519-sha256", "ecdh-sha2-nistp521", "diffie-hellman-group14-sha1",
                    "diffie-hellman-group1-sha1", "gss-gex-sha1-toWM5Slw5Ew8Mqkay+al2g=="],
            "key": ["ecdsa-sha2-nistp256", "rsa-sha2-512", "ssh-dss"],
            "enc": ["chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-gcm@openssh.com",
                    "arcfour256", "rijndael-cbc@lysator.liu.se", "blowfish-cbc", "none"],
            "mac": ["umac-64-etm@openssh.com", "hmac-sha1", "hmac-sha2-256",
                    "hmac-md5-96-etm@openssh.com"],
        },
        rsa_bits=4096,
    )  # fmt: skip
    weak = {kind: [name.split(" ")[0] for name in names] for kind, names in
            weak_algorithms(probe).items()}  # fmt: skip
    assert weak == {
        "kex": ["diffie-hellman-group1-sha1", "gss-gex-sha1-toWM5Slw5Ew8Mqkay+al2g=="],
        "key": ["ssh-dss"],
        "enc": ["arcfour256", "rijndael-cbc@lysator.liu.se", "blowfish-cbc", "none"],
        "mac": ["hmac-md5-96-etm@openssh.com"],
    }
    assert weak_algorithms(SshProbe(kexinit={"key": ["rsa-sha2-256"]}, rsa_bits=2048)) == {}


def test_ssh_protocol_1_reported_from_the_banner() -> None:
    with StubServer(_ssh1_banner) as stub:
        findings = run("ssh.protocol-1", stub.port, "ssh")
    assert [(f.check, f.severity) for f in findings] == [("ssh.protocol-1", "high")]
    assert "SSH-1.99-OpenSSH_3.9p1" in findings[0].evidence


@ROOT
@DAEMONS
def test_ssh_checks_never_connect_out_of_scope(sshd: dict[str, int]) -> None:
    assert_out_of_scope(["ssh.protocol-1", "ssh.weak-algorithms"], sshd["weak"], "ssh")


@ROOT
@DAEMONS
def test_tls_checks_reach_vsftpd_through_auth_tls(vsftpd: Callable[[bool], int]) -> None:
    """STARTTLS-style services are scanned by sslyze after its own AUTH TLS exchange."""
    host, service = target(vsftpd(True), "ftp")
    ctx = context()  # one scan run: the twelve checks share one sslyze scan
    found = []
    for check_id in sorted(i for i in REGISTRY if i.startswith("tls.")):
        assert check(check_id).applies(host, service)
        found += check(check_id).run(ctx, host, service)
    assert {(f.check, f.key) for f in found} == {("tls.cert-self-signed", "")}
    assert "CN=ftp.test" in found[0].evidence
    plain = target(vsftpd(False), "ftp")
    assert check("tls.cert-self-signed").run(ctx, *plain) == []  # AUTH TLS refused: nothing
