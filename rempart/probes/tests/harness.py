"""Real processes for the probe tests: a Redis without password to find, a gate between the
probe and the centre that can refuse uploads (the centre "down" for them), the probe's
console script run as a child process, and signed requests made in the test itself."""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

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

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
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
        return f"http://{LOOPBACK}:{self.port}"

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
