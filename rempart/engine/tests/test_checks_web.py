"""TLS and HTTP checks against real servers on 127.0.0.1 (high ports).

TLS: Python `ssl` servers (the system OpenSSL 3) with chosen protocol versions and cipher
lists, and certificates made here with `cryptography` — a test CA, a CA-signed server
certificate, an expired one, a not-yet-valid one, a self-signed one, an RSA-1024 one —
plus a SHA-1-signed one made with the `openssl` command (cryptography no longer signs
with SHA-1). OpenSSL 3 can no longer serve SSL 2/3, RC4, DES or EXPORT suites, nor be
vulnerable to Heartbleed, CCS injection or ROBOT: those verdicts are checked on the real
servers in their negative form, and the mapping of sslyze's verdicts to findings is
checked on reports built here. TLS tests run in the standard policy (the light probe,
a few sequential handshakes); `deep` variants run sslyze's full enumeration where the two
differ, and one test counts the connections of each.

HTTP: Python `http.server` servers: the standard directory listing of
SimpleHTTPRequestHandler, and handlers that serve the pages of real products (Apache's
Debian default page, nginx's welcome page, the Tomcat manager's 401, phpMyAdmin's login
form, Jenkins' header) and echo TRACE; over plain HTTP and over TLS.

Scope: every check also runs with 127.0.0.1 excluded and the server must count no
connection; redirects towards another address or port are not followed (a second
loopback address, 127.0.0.2, stands for "another host").
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import subprocess
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from rempart.engine.checks import REGISTRY, load_all
from rempart.engine.checks._tls import TlsReport, cipher_class, tls_report
from rempart.engine.checks.base import CheckContext
from rempart.engine.model import Finding
from rempart.engine.targets import AllowedSet
from rempart.engine.tests.daemons import LOOPBACK, StubServer, context, require, target

load_all()
TLS_IDS = sorted(i for i in REGISTRY if i.startswith("tls."))
HTTP_IDS = sorted(i for i in REGISTRY if i.startswith("http."))
NOW = dt.datetime.now(dt.UTC)
DAY = dt.timedelta(days=1)


def run_all(
    ids: list[str], port: int, name: str, ctx: CheckContext | None = None, **extra: Any
) -> list[Finding]:
    host, service = target(port, name, **extra)
    ctx = ctx or context()
    found = []
    for check_id in ids:
        if REGISTRY[check_id].applies(host, service):
            found += REGISTRY[check_id].run(ctx, host, service)
    return found


def summary(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.check, f.key) for f in findings}


# --- certificates -------------------------------------------------------------------------


@dataclass
class Pki:
    root: Path
    ca_file: Path
    ca_cert: x509.Certificate = field(repr=False)
    ca_key: rsa.RSAPrivateKey = field(repr=False)

    def issue(
        self,
        name: str,
        *,
        bits: int = 2048,
        not_before: dt.datetime = NOW - DAY,
        not_after: dt.datetime = NOW + 30 * DAY,
        self_signed: bool = False,
    ) -> Path:
        """A server certificate and its key in one PEM file."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name}.test")])
        issuer, signer = (subject, key) if self_signed else (self.ca_cert.subject, self.ca_key)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(f"{name}.test")]), False)
            .sign(signer, hashes.SHA256())
        )
        path = self.root / f"{name}.pem"
        path.write_bytes(_pem(cert, key))
        return path

    def issue_sha1(self, name: str) -> Path:
        """A CA-signed certificate with a SHA-1 signature, made by the openssl command."""
        key, csr, crt = (self.root / f"{name}.{ext}" for ext in ("key", "csr", "crt"))
        ca_key = self.root / "ca.key"
        ca_key.write_bytes(
            self.ca_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
        commands = [
            ["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
             "-subj", f"/CN={name}.test", "-out", str(csr)],
            ["openssl", "x509", "-req", "-in", str(csr), "-CA", str(self.ca_file),
             "-CAkey", str(ca_key), "-CAcreateserial", "-days", "30", "-sha1", "-out", str(crt)],
        ]  # fmt: skip
        for command in commands:
            subprocess.run(command, check=True, capture_output=True)
        path = self.root / f"{name}.pem"
        path.write_bytes(crt.read_bytes() + key.read_bytes())
        return path


def _pem(cert: x509.Certificate, key: rsa.RSAPrivateKey) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    root = tmp_path_factory.mktemp("pki")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Rempart Test CA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - 10 * DAY)
        .not_valid_after(NOW + 365 * DAY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    ca_file = root / "ca.pem"
    ca_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return Pki(root, ca_file, cert, key)


# --- TLS servers --------------------------------------------------------------------------

MODERN = ("DEFAULT:@SECLEVEL=0", ssl.TLSVersion.TLSv1_2)
LEGACY = ("ALL:eNULL:@SECLEVEL=0", ssl.TLSVersion.TLSv1)


class TlsServer:
    """A TLS server on a free port: handshakes, reads a line, answers, closes. Counts the
    TCP connections it accepts."""

    def __init__(
        self,
        pem: Path,
        ciphers: str,
        minimum: ssl.TLSVersion,
        maximum: ssl.TLSVersion = ssl.TLSVersion.MAXIMUM_SUPPORTED,
    ) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.set_ciphers(ciphers)  # before the certificate: SECLEVEL 0 admits RSA-1024
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0 on purpose
            self.context.minimum_version = minimum
            self.context.maximum_version = maximum
        self.context.load_cert_chain(pem)
        self.sock = socket.create_server((LOOPBACK, 0))
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> TlsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            with self.context.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1024)
                tls.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
        except (OSError, ssl.SSLError):
            conn.close()


def tls_findings(
    server: TlsServer, ca_file: Path | None = None, policy: str = "standard"
) -> list[Finding]:
    ctx = context(policy)
    if ca_file is not None:
        ctx.options["tls_ca_file"] = str(ca_file)
    return run_all(TLS_IDS, server.port, "https", ctx)


def test_tls_modern_server_is_clean_with_its_ca_and_untrusted_without(pki: Pki) -> None:
    with TlsServer(pki.issue("modern"), *MODERN) as server:
        assert tls_findings(server, pki.ca_file) == []
        findings = tls_findings(server)
    assert summary(findings) == {("tls.cert-untrusted", "")}
    assert findings[0].severity == "low"
    assert "issuer CN=Rempart Test CA" in findings[0].evidence


@pytest.mark.parametrize("policy", ["standard", "deep"])
def test_tls_scan_of_one_endpoint_is_fast_and_shared(pki: Pki, policy: str) -> None:
    with TlsServer(pki.issue("timing"), *LEGACY) as server:
        ctx = context(policy)
        host, service = target(server.port, "https")
        report = tls_report(ctx, host, service)
        connections = server.connections
        run_all(TLS_IDS, server.port, "https", ctx)
        assert server.connections == connections  # the 12 checks reuse the one scan
    assert report.reachable
    # Budget: 2 s per endpoint on a LAN (measured here: light probe about 0.05 s, sslyze's
    # full scan about 1.2 s); generous for busy CI.
    assert report.seconds < 5.0, f"{policy} TLS scan took {report.seconds:.2f} s"


class SequentialConnections:
    """Replaces the scope guard's `tcp_connect` to record every socket the light probe
    opens, and fails when one is opened while an earlier one is still open."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.opened: list[socket.socket] = []
        real = AllowedSet.tcp_connect

        def tcp_connect(allowed: AllowedSet, address: str, port: int, timeout: float) -> Any:
            still_open = [sock for sock in self.opened if sock.fileno() != -1]
            assert not still_open, "the light probe must open one connection at a time"
            sock = real(allowed, address, port, timeout)
            self.opened.append(sock)
            return sock

        monkeypatch.setattr(AllowedSet, "tcp_connect", tcp_connect)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (LEGACY, {("tls.legacy-protocol", "TLSv1.0"), ("tls.legacy-protocol", "TLSv1.1"),
                  ("tls.weak-cipher", "NULL"), ("tls.weak-cipher", "anon")}),
        (MODERN, set()),
        (("ALL:eNULL:@SECLEVEL=0", ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1),
         {("tls.legacy-protocol", "TLSv1.0"), ("tls.legacy-protocol", "TLSv1.1"),
          ("tls.weak-cipher", "NULL"), ("tls.weak-cipher", "anon")}),
    ],
    ids=["legacy-tls1.0-1.3", "modern-tls1.2-1.3", "tls1.0-1.1-only"],
)  # fmt: skip
def test_tls_standard_policy_is_bounded_sequential_and_finds_what_deep_finds(
    pki: Pki, monkeypatch: pytest.MonkeyPatch, config: tuple[Any, ...], expected: set[Any]
) -> None:
    """Standard policy: at most 30 connections per endpoint (measured: 11 on the legacy
    server, 7 on the modern one), one at a time, each through the scope guard; the deep
    policy's full sslyze scan (about 550 connections) reports the same findings."""
    sequential = SequentialConnections(monkeypatch)
    with TlsServer(pki.issue("budget"), *config) as server:
        light = tls_findings(server, pki.ca_file)
        light_connections = server.connections
        full = tls_findings(server, pki.ca_file, "deep")
        full_connections = server.connections - light_connections
    assert light_connections <= 30
    assert len(sequential.opened) == light_connections  # every one through the guard
    assert full_connections > 100  # sslyze enumerates every suite
    assert summary(light) == summary(full) == expected
    assert {(f.check, f.key, f.severity) for f in light} == {
        (f.check, f.key, f.severity) for f in full
    }


def test_tls_light_probe_sees_servers_that_require_a_client_certificate(pki: Pki) -> None:
    """The server asks for a certificate after choosing the protocol and suite: the light
    probe counts the handshake as accepted (sslyze's full scan errors out on such servers
    for TLS 1.0/1.1 and misses them: a known limitation of the deep policy)."""
    with TlsServer(pki.issue("mutual"), *LEGACY) as server:
        server.context.verify_mode = ssl.CERT_REQUIRED
        server.context.load_verify_locations(pki.ca_file)
        findings = tls_findings(server, pki.ca_file)
    assert summary(findings) == {
        ("tls.legacy-protocol", "TLSv1.0"),
        ("tls.legacy-protocol", "TLSv1.1"),
        ("tls.weak-cipher", "NULL"),
        ("tls.weak-cipher", "anon"),
    }


def test_tls_light_probe_gives_up_early_on_closed_and_non_tls_ports() -> None:
    with socket.create_server((LOOPBACK, 0)) as closed:
        port = closed.getsockname()[1]
    report = tls_report(context(), *target(port, "https"))
    assert not report.reachable
    assert report.connections == 1  # refused: nothing more is tried
    assert "TCP connection failed" in report.error
    with StubServer(_ssh_banner) as ssh:
        report = tls_report(context(), *target(ssh.port, "https"))
        assert not report.reachable
        assert report.connections == ssh.settled_connections() == 7  # 6 versions, 1 weak probe
    stopped = context()
    stopped.should_stop = lambda: True
    with StubServer(_ssh_banner) as ssh:
        assert tls_report(stopped, *target(ssh.port, "https")).connections == 0
        assert ssh.settled_connections() == 0


def _ssh_banner(conn: socket.socket, stub: StubServer) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.2p1\r\n")


@pytest.mark.parametrize("policy", ["standard", "deep"])
def test_tls_legacy_protocols_and_weak_cipher_classes(pki: Pki, policy: str) -> None:
    with TlsServer(pki.issue("legacy"), *LEGACY) as server:
        findings = tls_findings(server, pki.ca_file, policy)
    assert summary(findings) == {
        ("tls.legacy-protocol", "TLSv1.0"),
        ("tls.legacy-protocol", "TLSv1.1"),
        ("tls.weak-cipher", "NULL"),
        ("tls.weak-cipher", "anon"),
    }
    severity = {(f.check, f.key): f.severity for f in findings}
    assert severity[("tls.legacy-protocol", "TLSv1.0")] == "medium"
    assert severity[("tls.weak-cipher", "NULL")] == "high"
    evidence = {f.key: f.evidence for f in findings}
    assert "_anon_WITH_" in evidence["anon"]
    assert "_WITH_NULL_" in evidence["NULL"]
    if policy == "deep":  # every accepted suite is listed
        assert "TLS_ECDH_anon_WITH_AES_128_CBC_SHA" in evidence["anon"]
        assert "TLSv1.0 handshake accepted with 12 cipher suites" in evidence["TLSv1.0"]
    else:  # the suite the server picked, among the ones of the class
        assert "light probe" in evidence["anon"]
        assert "TLSv1.0 handshake accepted (light probe" in evidence["TLSv1.0"]


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        ("expired", lambda p: p.issue("expired", not_after=NOW - 2 * DAY, not_before=NOW - 9 * DAY),
         "tls.cert-expired"),
        ("future", lambda p: p.issue("future", not_before=NOW + 2 * DAY), "tls.cert-not-yet-valid"),
        ("selfsigned", lambda p: p.issue("selfsigned", self_signed=True), "tls.cert-self-signed"),
        ("rsa1024", lambda p: p.issue("rsa1024", bits=1024), "tls.cert-weak-key"),
        ("sha1", lambda p: p.issue_sha1("sha1"), "tls.cert-sha1-signature"),
    ],
)  # fmt: skip
def test_tls_certificate_problems(
    pki: Pki, name: str, make: Callable[[Pki], Path], expected: str
) -> None:
    if name == "sha1":
        require("openssl")
    with TlsServer(make(pki), *MODERN) as server:
        findings = tls_findings(server, pki.ca_file)
    assert summary(findings) == {(expected, "")}
    assert f"CN={name}.test" in findings[0].evidence
    assert findings[0].title


def test_tls_self_signed_certificate_trusted_through_the_ca_file(pki: Pki) -> None:
    pem = pki.issue("pinned", self_signed=True)
    with TlsServer(pem, *MODERN) as server:
        assert tls_findings(server, pem) == []


def test_tls_implementation_flaws_absent_on_openssl_3_deep(pki: Pki) -> None:
    with TlsServer(pki.issue("flaws"), *LEGACY) as server:
        report = tls_report(context("deep"), *target(server.port, "https"))
    assert report.exhaustive
    assert report.heartbleed is False
    assert report.ccs_injection is False
    assert report.robot is not None
    assert report.robot.startswith("NOT_VULNERABLE")
    assert report.secure_renegotiation is True


def test_tls_implementation_flaws_light_probe(pki: Pki) -> None:
    """Standard policy: Heartbleed and CCS injection are probed once each on the highest
    protocol below TLS 1.3 (like sslyze, not at all when TLS 1.3 is accepted); ROBOT and
    renegotiation are left to the deep policy."""
    pem = pki.issue("flaws")
    with TlsServer(pem, *LEGACY) as with_tls13:
        report = tls_report(context(), *target(with_tls13.port, "https"))
    assert not report.exhaustive
    assert (report.heartbleed, report.ccs_injection) == (False, False)
    assert (report.robot, report.secure_renegotiation, report.client_renegotiation) == (None,) * 3
    with TlsServer(pem, *LEGACY, maximum=ssl.TLSVersion.TLSv1_2) as up_to_tls12:
        probed = tls_report(context(), *target(up_to_tls12.port, "https"))
    assert "TLSv1.3" not in probed.accepted
    assert (probed.heartbleed, probed.ccs_injection) == (False, False)
    assert probed.connections == report.connections + 2  # one handshake per flaw
    assert up_to_tls12.connections == probed.connections
    assert REGISTRY["tls.robot"].category == "intrusive"
    assert REGISTRY["tls.insecure-renegotiation"].category == "intrusive"


@pytest.mark.parametrize(
    ("report", "check_id", "evidence"),
    [
        (TlsReport(reachable=True, heartbleed=True), "tls.heartbleed", "leaked memory"),
        (TlsReport(reachable=True, ccs_injection=True), "tls.ccs-injection", "ChangeCipherSpec"),
        (TlsReport(reachable=True, robot="VULNERABLE_STRONG_ORACLE"), "tls.robot", "strong"),
        (TlsReport(reachable=True, secure_renegotiation=False), "tls.insecure-renegotiation",
         "RFC 5746"),
        (TlsReport(reachable=True, client_renegotiation=True), "tls.insecure-renegotiation",
         "client-initiated"),
        (TlsReport(reachable=True, accepted={"SSLv3": ["TLS_RSA_WITH_RC4_128_SHA"]}),
         "tls.legacy-protocol", "SSLv3 handshake accepted"),
    ],
)  # fmt: skip
def test_tls_verdict_mapping(report: TlsReport, check_id: str, evidence: str) -> None:
    host, service = target(443, "https")
    findings = REGISTRY[check_id].judge(context(), host, service, report)  # type: ignore[attr-defined]
    assert len(findings) == 1
    assert evidence in findings[0].evidence
    if check_id == "tls.legacy-protocol":
        assert findings[0].severity == "high"
    if check_id == "tls.heartbleed":
        assert findings[0].cves == ["CVE-2014-0160"]
        assert findings[0].severity == "critical"
    clean = TlsReport(reachable=True, robot="NOT_VULNERABLE_NO_ORACLE", secure_renegotiation=True)
    assert REGISTRY[check_id].judge(context(), host, service, clean) == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("suite", "expected"),
    [
        ("TLS_RSA_WITH_NULL_SHA256", "NULL"),
        ("TLS_ECDHE_RSA_WITH_NULL_SHA", "NULL"),
        ("TLS_DH_anon_WITH_AES_128_CBC_SHA", "anon"),
        ("TLS_ECDH_anon_WITH_RC4_128_SHA", "anon"),
        ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", "EXPORT"),
        ("SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5", "EXPORT"),
        ("TLS_RSA_WITH_DES_CBC_SHA", "DES"),
        ("SSL_CK_DES_64_CBC_WITH_MD5", "DES"),
        ("TLS_RSA_WITH_RC4_128_SHA", "RC4"),
        ("SSL_CK_RC4_128_WITH_MD5", "RC4"),
        ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "3DES"),
        ("SSL_CK_DES_192_EDE3_CBC_WITH_MD5", "3DES"),
        ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", None),
        ("TLS_RSA_WITH_CAMELLIA_256_CBC_SHA", None),
        ("TLS_AES_256_GCM_SHA384", None),
    ],
)
def test_tls_cipher_classes(suite: str, expected: str | None) -> None:
    assert cipher_class(suite) == expected


def test_tls_applies_to_tls_services_and_starttls_names() -> None:
    applies = REGISTRY["tls.legacy-protocol"].applies
    assert applies(*target(8443, "http", tunnel="ssl"))
    assert applies(*target(993, "imaps"))
    assert applies(*target(25, "smtp"))  # STARTTLS
    assert not applies(*target(80, "http"))
    assert not applies(*target(22, "ssh"))


def test_tls_checks_never_connect_out_of_scope(pki: Pki) -> None:
    with TlsServer(pki.issue("scope"), *LEGACY) as server:
        assert run_all(TLS_IDS, server.port, "https", context(excluded=True)) == []
        assert server.connections == 0
        assert run_all(["tls.legacy-protocol"], server.port, "https") != []
        assert server.connections > 0  # the witness does count connections


# --- HTTP servers -------------------------------------------------------------------------

APACHE_DEFAULT = b"""<!DOCTYPE html><html><head>
<title>Apache2 Debian Default Page: It works</title></head>
<body><div class="main_page"><span>It works!</span></div></body></html>"""
NGINX_DEFAULT = b"""<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head>
<body><h1>Welcome to nginx!</h1><p>If you see this page, the nginx web server is
successfully installed and working.</p></body></html>"""
TOMCAT_DEFAULT = b"""<!DOCTYPE html><html lang="en"><head><title>Apache Tomcat/9.0.43</title>
</head><body><h2>If you're seeing this, you've successfully installed Tomcat.
Congratulations!</h2></body></html>"""
IIS_DEFAULT = b"""<!DOCTYPE html><html><head><title>IIS Windows Server</title></head>
<body><a href="https://go.microsoft.com/fwlink/?linkid=66138"><img src="iisstart.png"
alt="IIS"></a></body></html>"""
APACHE_INDEX = b"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN"><html><head>
<title>Index of /backup</title></head><body><h1>Index of /backup</h1><table>
<tr><td><a href="?C=N;O=D">Name</a></td></tr>
<tr><td><a href="/">Parent Directory</a></td></tr>
<tr><td><a href="patients-2024.sql.gz">patients-2024.sql.gz</a></td></tr>
<tr><td><a href="etc.tar">etc.tar</a></td></tr></table></body></html>"""
PMA_LOGIN = b"""<!DOCTYPE HTML><html><head><title>phpMyAdmin</title></head><body>
<form method="post" action="index.php"><input type="text" name="pma_username">
<input type="password" name="pma_password"></form></body></html>"""
LOGIN_FORM = b"""<html><head><title>PACS web - sign in</title></head><body><form method=post>
<input name=user><input type=password name=pass></form></body></html>"""

Route = tuple[int, dict[str, str], bytes]


class RouteHandler(BaseHTTPRequestHandler):
    """Serves `server.routes` (path -> status, headers, body); echoes TRACE when asked."""

    server: WebServer

    def do_GET(self) -> None:
        self.server.requests.append(("GET", self.path))
        status, headers, body = self.server.routes.get(self.path, (404, {}, b"not found"))
        self._send(status, dict(headers), body)

    def do_TRACE(self) -> None:
        self.server.requests.append(("TRACE", self.path))
        if not self.server.trace:
            self._send(405, {"Allow": "GET"}, b"")
            return
        echo = f"{self.requestline}\r\n{self.headers}".encode()
        self._send(200, {"Content-Type": "message/http"}, echo)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.server_name = headers.pop("Server", "TestHTTP/1.0")
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def version_string(self) -> str:
        return self.server_name  # the Server header of the product served

    def log_message(self, *args: Any) -> None:
        pass


class WebServer(ThreadingHTTPServer):
    """A threaded HTTP(S) server on 127.x.0.1 that counts connections and requests."""

    daemon_threads = True

    def __init__(
        self,
        handler: Callable[..., BaseHTTPRequestHandler] = RouteHandler,
        *,
        routes: dict[str, Route] | None = None,
        trace: bool = False,
        tls_pem: Path | None = None,
        address: str = LOOPBACK,
    ) -> None:
        super().__init__((address, 0), handler)
        self.routes, self.trace = routes or {}, trace
        self.connections = 0
        self.requests: list[tuple[str, str]] = []
        if tls_pem is not None:
            tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.load_cert_chain(tls_pem)
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.port = int(self.server_address[1])
        self._thread = threading.Thread(target=self.serve_forever, args=(0.1,), daemon=True)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.connections += 1
        return True

    def __enter__(self) -> WebServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(5)


def test_http_python_directory_listing(tmp_path: Path) -> None:
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "export-2024.csv").write_text("id;name\n")
    (tmp_path / "uploads" / "scan.dcm").write_bytes(b"DICM")
    (tmp_path / "index.html").write_text("<html><title>Intranet</title></html>")
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    with WebServer(handler) as server:  # type: ignore[arg-type]
        findings = run_all(HTTP_IDS, server.port, "http")
    assert summary(findings) == {("http.directory-listing", "/uploads/")}
    evidence = findings[0].evidence
    assert "Python http.server index 'Directory listing for /uploads/'" in evidence
    assert "export-2024.csv" in evidence
    assert "scan.dcm" in evidence


def test_http_apache_like_server_with_consoles_trace_and_basic_auth() -> None:
    routes: dict[str, Route] = {
        "/": (200, {"Server": "Apache/2.4.57 (Debian)"}, APACHE_DEFAULT),
        "/backup/": (200, {}, APACHE_INDEX),
        "/manager/html": (
            401,
            {"WWW-Authenticate": 'Basic realm="Tomcat Manager Application"'},
            b"<html><title>401 Unauthorized</title></html>",
        ),
        "/host-manager/html": (403, {}, b"<title>403 Access Denied</title> manager-gui"),
        "/phpmyadmin/": (200, {}, PMA_LOGIN),
    }
    with WebServer(routes=routes, trace=True) as server:
        findings = run_all(HTTP_IDS, server.port, "http")
        requests = len(server.requests)
    assert summary(findings) == {
        ("http.default-page", "apache"),
        ("http.directory-listing", "/backup/"),
        ("http.admin-console", "tomcat-manager"),
        ("http.admin-console", "phpmyadmin"),
        ("http.trace-enabled", ""),
        ("http.cleartext-auth", ""),
    }
    by_id = {(f.check, f.key): f for f in findings}
    listing = by_id[("http.directory-listing", "/backup/")].evidence
    assert "patients-2024.sql.gz" in listing
    assert "?C=N" not in listing
    console = by_id[("http.admin-console", "tomcat-manager")]
    assert console.title == "Administration console exposed: Apache Tomcat Manager"
    assert 'realm="Tomcat Manager Application"' in console.evidence
    auth = by_id[("http.cleartext-auth", "")].evidence
    assert "GET /manager/html → 401, WWW-Authenticate: Basic" in auth
    assert "GET /phpmyadmin/ → 200, login form with a password field" in auth
    assert "Server: Apache/2.4.57 (Debian)" in by_id[("http.default-page", "apache")].evidence
    assert requests <= 11  # the five checks share their requests


@pytest.mark.parametrize(
    ("page", "key"),
    [(NGINX_DEFAULT, "nginx"), (TOMCAT_DEFAULT, "tomcat"), (IIS_DEFAULT, "iis")],
)
def test_http_default_pages(page: bytes, key: str) -> None:
    with WebServer(routes={"/": (200, {}, page)}) as server:
        findings = run_all(HTTP_IDS, server.port, "http")
    assert summary(findings) == {("http.default-page", key)}


def test_http_jenkins_login_behind_a_403_is_a_console() -> None:
    routes: dict[str, Route] = {"/": (403, {"X-Jenkins": "2.426.1"}, b"<title>Jenkins</title>")}
    with WebServer(routes=routes) as server:
        findings = run_all(HTTP_IDS, server.port, "http")
    assert summary(findings) == {("http.admin-console", "jenkins")}
    assert "x-jenkins: 2.426.1" in findings[0].evidence


def test_http_over_tls_finds_consoles_but_no_cleartext_auth(pki: Pki) -> None:
    routes: dict[str, Route] = {"/": (200, {}, PMA_LOGIN)}
    with WebServer(routes=routes, tls_pem=pki.issue("web")) as server:
        findings = run_all(HTTP_IDS, server.port, "https")
        host, service = target(server.port, "https")
    assert summary(findings) == {("http.admin-console", "phpmyadmin")}
    assert not REGISTRY["http.cleartext-auth"].applies(host, service)
    assert REGISTRY["http.cleartext-auth"].applies(*target(8080, "http-proxy"))


def test_http_redirects_are_followed_on_the_same_endpoint_only() -> None:
    with (
        WebServer(routes={"/": (200, {}, b"witness")}) as other_port,
        WebServer(routes={"/": (200, {}, b"witness")}, address="127.0.0.2") as other_host,
    ):
        for location in (
            f"http://127.0.0.2:{other_host.port}/login",
            f"http://127.0.0.1:{other_port.port}/login",
            f"https://127.0.0.1:{other_port.port}/login",
            "http://pacs.example.org/login",
        ):
            routes: dict[str, Route] = {"/": (302, {"Location": location}, b"")}
            with WebServer(routes=routes) as server:
                allowed = AllowedSet.build(["127.0.0.1", "127.0.0.2"], [])
                ctx = CheckContext(allowed=allowed, timeout=3.0)
                assert run_all(HTTP_IDS, server.port, "http", ctx) == []
        assert other_port.connections == 0
        assert other_host.connections == 0
    routes = {"/": (302, {"Location": "/login"}, b""), "/login": (200, {}, LOGIN_FORM)}
    with WebServer(routes=routes) as server:
        findings = run_all(HTTP_IDS, server.port, "http")
    assert summary(findings) == {("http.cleartext-auth", "")}
    assert "GET /login → 200, login form with a password field" in findings[0].evidence


def test_http_checks_never_connect_out_of_scope() -> None:
    routes: dict[str, Route] = {
        "/": (200, {}, APACHE_DEFAULT),
        "/phpmyadmin/": (200, {}, PMA_LOGIN),
    }
    with WebServer(routes=routes, trace=True) as server:
        assert run_all(HTTP_IDS, server.port, "http", context(excluded=True)) == []
        assert server.connections == 0
        assert run_all(HTTP_IDS, server.port, "http") != []
        assert server.connections > 0
