"""The lab: builds every host of `hosts.HOSTS` in its namespace, and tears it all down.

    with Lab() as lab:
        lab.hosts            # {"legacy": "10.213.7.18", …}
        lab.expected["web"]  # {("tls.cert-expired", 443, ""), …}
        lab.redis_set_password("s3cret")

Teardown kills every process of each namespace (`ip netns pids`), deletes the namespaces
(their veth pairs go with them) and the lab's directory, even when startup failed halfway.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.lab import certs, daemons, plumbing
from tests.lab.daemons import Daemon, HostContext
from tests.lab.hosts import HOSTS, REQUIRED_PROGRAMS, Expected, HostSpec
from tests.lab.plumbing import LabError, LabUnavailableError, Link, Process

STARTUP_TIMEOUT_S = 45.0


@dataclass
class _Host:
    spec: HostSpec
    link: Link
    context: HostContext
    daemons: dict[str, Daemon] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)


@dataclass
class Capture:
    """tcpdump running in a host's namespace; `lines()` are its packets, one per line."""

    path: Path
    process: subprocess.Popen[bytes] | None = None

    def lines(self) -> list[str]:
        try:
            return [line for line in self.path.read_text().splitlines() if line.strip()]
        except FileNotFoundError:
            return []

    def packets_between(self, start: float, end: float) -> list[str]:
        """Packets whose timestamp (tcpdump -tt) falls in [start, end]."""
        found = []
        for line in self.lines():
            stamp = line.split(" ", 1)[0]
            with contextlib.suppress(ValueError):
                if start <= float(stamp) <= end:
                    found.append(line)
        return found


def missing_programs() -> list[str]:
    return [p for p in REQUIRED_PROGRAMS if not Path(p).exists()]


class Lab:
    """The network lab. `up()` builds it (or raises LabUnavailableError / LabError)."""

    def __init__(self, specs: tuple[HostSpec, ...] = HOSTS) -> None:
        self.specs = specs
        self.token = plumbing.new_token()
        self.directory = Path()
        self.startup_s = 0.0
        self.subnet = ""
        self._hosts: dict[str, _Host] = {}
        self._up = False
        self._lock = threading.Lock()
        self.ca: certs.TestCA | None = None
        self._redis_password: str | None = None

    # --- building and tearing down ------------------------------------------------------

    def up(self) -> Lab:
        reason = plumbing.unavailable_reason()
        if reason is None and (missing := missing_programs()):
            reason = (
                "lab programs missing (install them as root with `tools/system-deps.sh test`): "
                + ", ".join(missing)
            )
        if reason is not None:
            raise LabUnavailableError(reason)
        started = time.monotonic()
        atexit.register(self.down)
        self._up = True
        try:
            self.directory = Path(tempfile.mkdtemp(prefix=f"rempart-lab-{self.token}-"))
            self.directory.chmod(0o755)
            self.ca = certs.make_ca(self.directory)
            self._create_namespaces()
            with ThreadPoolExecutor(max_workers=len(self._hosts)) as pool:
                for future in [pool.submit(self._start_host, h) for h in self._hosts.values()]:
                    future.result()
        except BaseException:
            self.down()
            raise
        self.startup_s = time.monotonic() - started
        return self

    def _create_namespaces(self) -> None:
        assert self.ca is not None
        with plumbing.machine_lock():
            subnet = plumbing.choose_subnet()
            self.subnet = str(subnet)
            blocks = list(subnet.subnets(new_prefix=28))
            for index, spec in enumerate(self.specs, start=1):
                namespace = f"rempart-lab-{self.token}-{spec.name}"
                root_interface = f"{self.token}{index:x}"
                # Register before creating, so that a failure halfway is still cleaned up.
                placeholder = Link(namespace, root_interface, blocks[index], "", [])
                directory = self.directory / spec.name
                directory.mkdir(mode=0o755)
                context = HostContext(spec.name, namespace, "", directory, self.ca)
                self._hosts[spec.name] = _Host(spec, placeholder, context)
                link = plumbing.create_host_namespace(
                    namespace, root_interface, blocks[index], spec.address_count
                )
                plumbing.assert_isolated(link)
                self._hosts[spec.name].link = link
                context.address = link.addresses[0]

    def _start_host(self, host: _Host) -> None:
        for builder in host.spec.builders:
            daemon = builder(host.context)
            host.daemons[daemon.name] = daemon
        for daemon in host.daemons.values():
            if daemon.prepare is not None:
                daemon.prepare()
        for name in host.daemons:
            self._spawn(host, name)
        self._wait(host, list(host.daemons))

    def _spawn(self, host: _Host, name: str) -> None:
        daemon = host.daemons[name]
        log = host.context.directory / f"{name}.out"
        host.processes[name] = plumbing.spawn(
            host.link.namespace,
            name,
            daemon.argv,
            log,
            prelude=daemon.prelude,
            env=daemon.env,
            cwd=host.context.directory,
        )

    def _wait(self, host: _Host, names: list[str]) -> None:
        expected: set[tuple[str, int]] = set()
        for name in names:
            expected |= host.daemons[name].listens
        waiter = plumbing.Waiter(host.link.namespace, expected, [host.processes[n] for n in names])
        waiter.wait(STARTUP_TIMEOUT_S)

    def down(self) -> None:
        with self._lock:
            if not self._up:
                return
            self._up = False
        for host in self._hosts.values():
            plumbing.kill_namespace_processes(host.link.namespace)
            for process in host.processes.values():
                process.stop(grace_s=1.0)
            plumbing.delete_namespace(host.link.namespace, host.link.root_interface)
        if self.directory != Path() and not os.environ.get("REMPART_LAB_KEEP"):
            shutil.rmtree(self.directory, ignore_errors=True)
        with contextlib.suppress(Exception):
            atexit.unregister(self.down)

    def __enter__(self) -> Lab:
        return self.up()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.down()

    # --- what the tests read ------------------------------------------------------------

    @property
    def hosts(self) -> dict[str, str]:
        """Host name -> its (first) IPv4 address."""
        return {name: h.link.addresses[0] for name, h in self._hosts.items()}

    def addresses(self, name: str) -> list[str]:
        return list(self._hosts[name].link.addresses)

    def scanner_address(self, name: str) -> str:
        """The root namespace's address on the host's link (the scan's source address)."""
        return self._hosts[name].link.scanner_address

    def namespace(self, name: str) -> str:
        return self._hosts[name].link.namespace

    @property
    def expected(self) -> dict[str, Expected]:
        return {name: h.spec.expected for name, h in self._hosts.items()}

    @property
    def hardened(self) -> frozenset[str]:
        return frozenset(name for name, h in self._hosts.items() if h.spec.hardened)

    @property
    def scanned_hosts(self) -> dict[str, str]:
        """The hosts a full-lab scan targets (all but the exclusion decoy)."""
        return {n: h.link.addresses[0] for n, h in self._hosts.items() if h.spec.in_scan}

    @property
    def check_options(self) -> dict[str, Any]:
        """Options to pass as ScanJob.check_options: trust the lab's test CA."""
        assert self.ca is not None
        return {"tls_ca_file": str(self.ca.cert_path)}

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "name": name,
                "addresses": h.link.addresses,
                "namespace": h.link.namespace,
                "role": h.spec.role,
                "daemons": sorted(h.daemons),
                "hardened": h.spec.hardened,
                "expected": sorted(h.spec.expected, key=lambda e: (e[0], e[1] or 0, e[2])),
            }
            for name, h in self._hosts.items()
        ]

    # --- changing the lab between scans -------------------------------------------------

    def stop_service(self, host: str, daemon: str) -> None:
        self._hosts[host].processes[daemon].stop()

    def start_service(self, host: str, daemon: str) -> None:
        target = self._hosts[host]
        if target.processes.get(daemon) and target.processes[daemon].alive():
            return
        self._spawn(target, daemon)
        self._wait(target, [daemon])

    def restart_service(self, host: str, daemon: str) -> None:
        self.stop_service(host, daemon)
        self.start_service(host, daemon)

    def stop_host(self, name: str) -> None:
        """Stop every daemon of the host (the namespace and its addresses stay)."""
        host = self._hosts[name]
        plumbing.kill_namespace_processes(host.link.namespace)
        for process in host.processes.values():
            process.stop(grace_s=1.0)

    def start_host(self, name: str) -> None:
        host = self._hosts[name]
        stopped = [n for n, p in host.processes.items() if not p.alive()]
        for daemon in stopped:
            self._spawn(host, daemon)
        self._wait(host, stopped)

    def ftp_set_anonymous(self, enabled: bool) -> None:
        """Reconfigure the legacy host's vsftpd with anonymous login on or off."""
        host = self._hosts["legacy"]
        self.stop_service("legacy", "vsftpd")
        host.daemons["vsftpd"] = daemons.vsftpd(host.context, anonymous=enabled)
        self.start_service("legacy", "vsftpd")

    def redis_command(self, host: str, *args: str, password: str | None = None) -> bytes:
        """Send one Redis command (after AUTH when `password` is given); the raw reply."""
        commands = ([["AUTH", password]] if password else []) + [list(args)]
        payload = b"".join(
            f"*{len(c)}\r\n".encode()
            + b"".join(f"${len(a.encode())}\r\n".encode() + a.encode() + b"\r\n" for a in c)
            for c in commands
        )
        with socket.create_connection((self.hosts[host], 6379), timeout=5) as sock:
            sock.sendall(payload)
            time.sleep(0.1)
            return sock.recv(65536)

    def redis_set_password(self, password: str = "lab-fixed-2024", host: str = "web") -> None:  # noqa: S107
        """Fix the planted weakness: give the web host's Redis a password (CONFIG SET)."""
        reply = self.redis_command(host, "CONFIG", "SET", "requirepass", password)
        if b"+OK" not in reply:
            raise LabError(f"redis CONFIG SET requirepass failed: {reply!r}")
        self._redis_password = password

    def redis_clear_password(self, host: str = "web") -> None:
        """Plant the weakness again: Redis without password."""
        reply = self.redis_command(
            host, "CONFIG", "SET", "requirepass", "", password=self._redis_password
        )
        if not reply.rstrip().endswith(b"+OK"):
            raise LabError(f"redis CONFIG SET requirepass '' failed: {reply!r}")
        self._redis_password = None

    # --- observing a host ---------------------------------------------------------------

    @contextlib.contextmanager
    def capture(self, name: str) -> Iterator[Capture]:
        """tcpdump on the host's eth0 (every packet, -tt timestamps) while the block runs."""
        host = self._hosts[name]
        stem = host.context.directory / f"tcpdump-{time.monotonic_ns()}"
        capture = Capture(stem.with_suffix(".txt"))
        err_path = stem.with_suffix(".err")
        with capture.path.open("wb") as out, err_path.open("wb") as err:
            capture.process = subprocess.Popen(
                ["ip", "netns", "exec", host.link.namespace, "tcpdump", "-i", "eth0", "-n",
                 "-tt", "-l", "--immediate-mode", "-p"],
                stdout=out, stderr=err, start_new_session=True,
            )  # fmt: skip
        try:
            deadline = time.monotonic() + 10
            while b"listening on" not in err_path.read_bytes():
                if capture.process.poll() is not None or time.monotonic() > deadline:
                    raise LabError(f"tcpdump did not start: {err_path.read_text()}")
                time.sleep(0.05)
            yield capture
        finally:
            time.sleep(0.3)  # let the last packets be printed
            capture.process.terminate()
            try:
                capture.process.wait(5)
            except subprocess.TimeoutExpired:
                capture.process.kill()
                capture.process.wait(5)

    def contacts(self, name: str = "decoy") -> list[dict[str, Any]]:
        """What the decoy's recorder saw (one dict per connection or datagram)."""
        path = self._hosts[name].context.directory / "recorder" / "contacts.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
