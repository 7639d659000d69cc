"""Test servers for the network and medical check tests, all on 127.0.0.1 high ports.

- `Daemon`: a real Debian server (smbd, snmpd, memcached, mosquitto, MariaDB, PostgreSQL,
  dcmtk, xrdp, Xvnc) started with its own configuration in a temporary directory and
  stopped by its process id.
- `CountingProxy` / `UdpRecorder`: put in front of a real server to count the connections
  (or record the datagrams) a check makes, so that tests can assert "no connection at all"
  when the server is out of scope, or "no SNMP SET ever".
- `StubServer`: a small protocol stand-in for servers that are not packaged in Debian
  (MongoDB, Elasticsearch, MSSQL, an HL7 interface engine, an NLA-enforcing RDP server);
  it records every connection and every byte received.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rempart.engine.checks.base import CheckContext
from rempart.engine.model import Host, Service
from rempart.engine.targets import AllowedSet

LOOPBACK = "127.0.0.1"


def require(*programs: str) -> None:
    """Skip the test when a daemon binary is missing (with the package to install)."""
    for program in programs:
        if shutil.which(program) is None and not os.path.exists(program):
            pytest.skip(f"{program} is not installed (see the Debian packages in the docstring)")


@contextlib.contextmanager
def scratch_dir(name: str) -> Iterator[Path]:
    """A world-traversable temporary directory: daemons that drop privileges (mosquitto,
    smbd's guest account, postgres) must reach their files, which pytest's 0700 tmp does
    not allow."""
    path = Path(tempfile.mkdtemp(prefix=f"rempart-{name}-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        _kill_processes_using(path)
        shutil.rmtree(path, ignore_errors=True)


def _kill_processes_using(directory: Path) -> None:
    """Kill what a daemon left behind: smbd starts samba-dcerpcd and its RPC workers in
    their own sessions, so stopping smbd does not stop them; they name our directory."""
    marker = str(directory).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if marker in (entry / "cmdline").read_bytes():
                os.kill(int(entry.name), 9)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def context(
    policy: str = "standard", *, excluded: bool = False, timeout: float = 3.0
) -> CheckContext:
    """A check context whose allowed set is 127.0.0.1 — or nothing, when `excluded`."""
    allowed = AllowedSet.build([LOOPBACK], [LOOPBACK] if excluded else [])
    return CheckContext(allowed=allowed, timeout=timeout, policy=policy)


def target(port: int, name: str, protocol: str = "tcp", **extra: Any) -> tuple[Host, Service]:
    service = Service(port=port, protocol=protocol, name=name, **extra)
    return Host(address=LOOPBACK, services=[service]), service


def wait_tcp(port: int, process: Daemon | None = None, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited early:\n{process.log()}")
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {LOOPBACK}:{port}")


class Daemon:
    """A server process with its output in `log_path`; stopped by its own pid."""

    def __init__(
        self,
        name: str,
        args: list[str],
        log_path: Path,
        *,
        env: dict[str, str] | None = None,
        user: str | None = None,
    ) -> None:
        self.name, self.log_path = name, log_path
        self._log = log_path.open("wb")
        self.popen = subprocess.Popen(
            args,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            user=user,
            start_new_session=True,
        )

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        self._log.close()


@contextlib.contextmanager
def running(name: str, args: list[str], log_path: Path, **kwargs: Any) -> Iterator[Daemon]:
    daemon = Daemon(name, args, log_path, **kwargs)
    try:
        yield daemon
    finally:
        daemon.stop()


class _Listener:
    """A thread accepting TCP connections on a free loopback port."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> Any:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.sock.close()
        self._thread.join(5)

    def settled_connections(self, timeout: float = 2.0) -> int:
        """`connections` once every connection waiting in the backlog has been accepted (a
        client that connects and closes at once returns before the server thread counts)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pending, _, _ = select.select([self.sock], [], [], 0)
            if not pending:
                break
            time.sleep(0.02)
        time.sleep(0.05)
        return self.connections

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self.sock], [], [], 0.1)
                if not ready:
                    continue
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle_safely, args=(conn,), daemon=True).start()

    def _handle_safely(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(10)
            self.handle(conn)

    def handle(self, conn: socket.socket) -> None:
        raise NotImplementedError


class CountingProxy(_Listener):
    """Forwards every connection to `upstream` (a real server) and counts them."""

    def __init__(self, upstream: int) -> None:
        super().__init__()
        self.upstream = upstream

    def handle(self, conn: socket.socket) -> None:
        with socket.create_connection((LOOPBACK, self.upstream), 5) as server:
            _pipe(conn, server)


def _pipe(a: socket.socket, b: socket.socket) -> None:
    peers = {a: b, b: a}
    while True:
        ready, _, _ = select.select(list(peers), [], [], 10)
        if not ready:
            return
        for sock in ready:
            data = sock.recv(65536)
            if not data:
                return
            peers[sock].sendall(data)


class StubServer(_Listener):
    """A protocol stand-in: `handler(conn, stub)` serves one connection; every byte the
    handler reads through `stub.recv` is recorded in `stub.received`."""

    def __init__(self, handler: Callable[[socket.socket, StubServer], None]) -> None:
        super().__init__()
        self.handler = handler
        self.received = bytearray()
        self.state: dict[str, Any] = {}

    def recv(self, conn: socket.socket, size: int) -> bytes:
        data = conn.recv(size)
        self.received += data
        return data

    def recv_exact(self, conn: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.recv(conn, size - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def handle(self, conn: socket.socket) -> None:
        self.handler(conn, self)


class UdpRecorder:
    """A UDP relay in front of a real agent that records every datagram it forwards."""

    def __init__(self, upstream: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, 0))
        self.port = int(self.sock.getsockname()[1])
        self.upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.upstream.connect((LOOPBACK, upstream))
        self.datagrams: list[bytes] = []
        self._client: Any = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> UdpRecorder:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()
        self.upstream.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.sock, self.upstream], [], [], 0.1)
            for sock in ready:
                if sock is self.sock:
                    data, self._client = self.sock.recvfrom(65535)
                    self.datagrams.append(data)
                    self.upstream.send(data)
                elif self._client is not None:
                    with contextlib.suppress(OSError):
                        self.sock.sendto(self.upstream.recv(65535), self._client)
