"""Real processes for the probe tests: a Redis without password to find, a gate between the
probe and the centre that can refuse uploads (the centre "down" for them), the probe's
console script run as a child process, and signed requests made in the test itself."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import re
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from rempart.engine.tests.daemons import free_port, running, wait_tcp
from rempart.probe import signing
from tests.processes import clean_env

PROBE = Path(sys.executable).with_name("rempart-probe")
NO_DJANGO = Path(__file__).with_name("no_django")  # its sitecustomize forbids Django
LOOPBACK = "127.0.0.1"


@contextlib.contextmanager
def redis_without_password(tmp: Path) -> Iterator[int]:
    """A real redis-server on a free loopback port, no password: the probe must report it."""
    port = free_port()
    args = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        LOOPBACK,
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "no",
        "--dir",
        str(tmp),
    ]
    with running("redis", args, tmp / "redis.log") as daemon:
        wait_tcp(port, daemon)
        yield port


def probe(state_dir: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `rempart-probe` as a child process with a deployment's environment, where any
    import of Django or of the platform's apps fails."""
    env = clean_env()
    env["PYTHONPATH"] = f"{NO_DJANGO}:{env['PYTHONPATH']}"
    env.pop("DJANGO_SETTINGS_MODULE")
    return subprocess.run(
        [str(PROBE), "--state-dir", str(state_dir), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def code_from_page(html: str) -> str:
    found = re.search(r'id="enrolment-code">([A-Z0-9-]+)<', html)
    assert found, "the code page shows no code"
    return found.group(1)


class UploadGate:
    """A TCP relay in front of the centre. While `uploads_blocked`, a connection asking for a
    result chunk is cut before the centre sees it: to the probe, the centre is unreachable."""

    def __init__(self, upstream: int, tls: ssl.SSLContext | None = None) -> None:
        self.upstream, self.tls = upstream, tls
        self.uploads_blocked = False
        self.refused = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{LOOPBACK}:{self.port}"

    def close(self) -> None:
        self.sock.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(conn,), daemon=True).start()

    def _relay(self, conn: socket.socket) -> None:
        if self.tls is not None:  # TLS ends here, as at a reverse proxy
            try:
                conn = self.tls.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                conn.close()
                return
        head = b""
        while b"\r\n" not in head:
            data = conn.recv(4096)
            if not data:
                conn.close()
                return
            head += data
        if self.uploads_blocked and b"/chunks/" in head.split(b"\r\n", 1)[0]:
            self.refused += 1
            conn.close()
            return
        upstream = socket.create_connection((LOOPBACK, self.upstream))
        upstream.sendall(head)
        threading.Thread(target=_pipe, args=(upstream, conn), daemon=True).start()
        _pipe(conn, upstream)


def _pipe(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


def tls_context(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A private authority and a certificate for 127.0.0.1 signed by it: the server's TLS
    context and the authority's PEM file (the probe's `--ca-file`)."""
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Rempart test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, LOOPBACK)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOOPBACK))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, chain = directory / "ca.pem", directory / "server.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain)
    return context, ca_file


def signed_call(
    client: Any,
    key: Ed25519PrivateKey,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> Any:
    """A request to the probe API from the Django test client, signed with `key`."""
    signed = signing.sign_request(key, method, path, body)
    extra = {
        f"HTTP_{k.upper().replace('-', '_')}": v for k, v in {**signed, **(headers or {})}.items()
    }
    if method == "GET":
        return client.get(path, **extra)
    return client.generic(method, path, body, content_type=content_type, **extra)
