"""Network namespaces, veth links and processes for the lab, nothing else.

Every name carries a token unique to one lab instance (the creating pid plus random bits),
so several labs can live on one machine at once (xdist workers, another engineer's run).
Each lab takes one free /24 of 10.213.0.0/16, chosen under a machine-wide file lock, and
gives each host a /28 of it on its own veth pair: the root-namespace end is the scanner's
address on that link, the other end is the host. No namespace has a default route, the
root namespace does not forward (checked), IPv6 is disabled on every lab interface: traffic
can only go between the scanner and the lab hosts.
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

LAB_SUPERNET = ipaddress.IPv4Network("10.213.0.0/16")
LOCK_PATH = Path("/run/lock/rempart-lab.lock")


class LabUnavailableError(RuntimeError):
    """The lab cannot run here (not root, no `ip netns`…); the message says why."""


class LabError(RuntimeError):
    """Building the lab failed; the message says which step."""


def unavailable_reason() -> str | None:
    """Why the lab cannot run on this machine, or None when it can."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "the network lab needs root (network namespaces)"
    if shutil.which("ip") is None:
        return "the network lab needs iproute2 (`ip`)"
    probe = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"`ip netns` is unavailable: {probe.stderr.strip()[:200]}"
    return None


def sh(args: Sequence[str], *, check: bool = True, timeout: float = 30) -> str:
    """Run a command, return its stdout; raise LabError with its stderr on failure."""
    result = subprocess.run(
        list(args), capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise LabError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def new_token() -> str:
    """A short name prefix unique to this lab: pid (hex, last 5 digits) and 8 random bits."""
    return f"rl{os.getpid():x}"[-7:] + secrets.token_hex(1)


@contextlib.contextmanager
def machine_lock() -> Iterator[None]:
    """Serialise subnet choice and link creation between labs on this machine."""
    LOCK_PATH.parent.mkdir(parents=True, exist_ok=True)
    with LOCK_PATH.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def used_lab_subnets() -> set[int]:
    """Third octets of 10.213.X.0/24 blocks already used by addresses or routes here."""
    used: set[int] = set()
    text = sh(["ip", "-4", "-o", "addr", "show"]) + sh(
        ["ip", "-4", "route", "show", "table", "all"]
    )
    for word in text.split():
        candidate = word.split("/")[0]
        try:
            address = ipaddress.IPv4Address(candidate)
        except ValueError:
            continue
        if address in LAB_SUPERNET:
            used.add(int(address.packed[2]))
    return used


def choose_subnet() -> ipaddress.IPv4Network:
    """A free /24 of the lab supernet (call under machine_lock)."""
    used = used_lab_subnets()
    start = os.getpid() % 250 + 1
    for offset in range(250):
        third = (start + offset - 1) % 250 + 1
        if third not in used:
            return ipaddress.IPv4Network(f"10.213.{third}.0/24")
    raise LabError("no free /24 left in 10.213.0.0/16 for the lab")


def _disable_ipv6(interface: str, namespace: str | None = None) -> None:
    path = f"/proc/sys/net/ipv6/conf/{interface}/disable_ipv6"
    if namespace is None:
        if Path(path).exists():
            Path(path).write_text("1")
        return
    sh(["ip", "netns", "exec", namespace, "sh", "-c", f"[ ! -e {path} ] || echo 1 > {path}"])


@dataclass
class Link:
    """One host's link: namespace, interfaces, its /28 and the addresses on it."""

    namespace: str
    root_interface: str
    network: ipaddress.IPv4Network
    scanner_address: str
    addresses: list[str]


def create_host_namespace(
    namespace: str, root_interface: str, network: ipaddress.IPv4Network, address_count: int
) -> Link:
    """A namespace with loopback and eth0 (veth to the root namespace); no default route."""
    hosts = list(network.hosts())
    scanner, addresses = str(hosts[0]), [str(h) for h in hosts[1 : 1 + address_count]]
    peer = f"{root_interface}p"
    sh(["ip", "netns", "add", namespace])
    sh(["ip", "link", "add", root_interface, "type", "veth", "peer", "name", peer])
    _disable_ipv6(root_interface)
    sh(["ip", "link", "set", peer, "netns", namespace])
    run_in = ["ip", "netns", "exec", namespace]
    sh(
        [
            *run_in,
            "sh",
            "-c",
            "[ ! -e /proc/sys/net/ipv6 ] || sysctl -qw "
            "net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1",
        ]
    )
    sh([*run_in, "ip", "link", "set", peer, "name", "eth0"])
    _disable_ipv6("eth0", namespace)
    for address in addresses:
        sh([*run_in, "ip", "addr", "add", f"{address}/{network.prefixlen}", "dev", "eth0"])
    sh([*run_in, "ip", "link", "set", "lo", "up"])
    sh([*run_in, "ip", "link", "set", "eth0", "up"])
    sh(["ip", "addr", "add", f"{scanner}/{network.prefixlen}", "dev", root_interface])
    sh(["ip", "link", "set", root_interface, "up"])
    return Link(namespace, root_interface, network, scanner, addresses)


def assert_isolated(link: Link) -> None:
    """The namespace routes nothing but its own link, and the root does not forward."""
    routes = sh(["ip", "netns", "exec", link.namespace, "ip", "-4", "route", "show"])
    if "default" in routes:
        raise LabError(f"{link.namespace} has a default route: {routes!r}")
    if Path("/proc/sys/net/ipv4/ip_forward").read_text().strip() != "0":
        raise LabError("the root namespace forwards IPv4: the lab refuses to run")


def namespace_pids(namespace: str) -> list[int]:
    out = sh(["ip", "netns", "pids", namespace], check=False)
    return [int(p) for p in out.split() if p.isdigit()]


def kill_namespace_processes(namespace: str, grace_s: float = 3.0) -> None:
    """SIGTERM every process of the namespace, then SIGKILL the survivors."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = namespace_pids(namespace)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and namespace_pids(namespace):
            time.sleep(0.05)


def delete_namespace(namespace: str, root_interface: str) -> None:
    kill_namespace_processes(namespace)
    sh(["ip", "netns", "del", namespace], check=False)
    if Path(f"/sys/class/net/{root_interface}").exists():
        sh(["ip", "link", "del", root_interface], check=False)


@dataclass
class Process:
    """A daemon started in a namespace, in its own session (so its group can be signalled)."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, grace_s: float = 5.0) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if not self.alive():
                break
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(grace_s)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(1)

    def log_tail(self, limit: int = 1500) -> str:
        try:
            return self.log.read_text(errors="replace")[-limit:]
        except OSError:
            return ""


def spawn(
    namespace: str,
    name: str,
    argv: Sequence[str],
    log: Path,
    *,
    prelude: Sequence[str] = (),
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Process:
    """Start `argv` inside `namespace` with setsid; `prelude` are shell lines run first in the
    process's private mount namespace (`ip netns exec` gives it one), e.g. a devpts mount."""
    command = ["ip", "netns", "exec", namespace]
    if prelude:
        script = "set -e; " + "; ".join(prelude) + '; exec "$@"'
        command += ["sh", "-c", script, name]
    command += list(argv)
    full_env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    full_env.update(env or {})
    handle = log.open("ab")
    try:
        popen = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=full_env,
            cwd=cwd,
        )
    finally:
        handle.close()
    return Process(name, popen, log)


def listening(namespace: str) -> set[tuple[str, int]]:
    """(protocol, port) pairs with a listening socket in the namespace (no packet sent)."""
    out = sh(["ip", "netns", "exec", namespace, "ss", "-H", "-n", "-l", "-t", "-u"], check=False)
    found: set[tuple[str, int]] = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 5:
            port = parts[4].rsplit(":", 1)[-1]
            if port.isdigit():
                found.add((parts[0], int(port)))
    return found


@dataclass
class Waiter:
    """Wait until every expected socket listens, failing fast when a process dies."""

    namespace: str
    expected: set[tuple[str, int]]
    processes: list[Process] = field(default_factory=list)

    def wait(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            missing = self.expected - listening(self.namespace)
            if not missing:
                return
            dead = [p for p in self.processes if not p.alive()]
            if dead or time.monotonic() > deadline:
                details = "; ".join(
                    f"{p.name} ({_state(p)}): {p.log_tail()}" for p in (dead or self.processes)
                )
                raise LabError(f"{self.namespace}: not listening on {sorted(missing)}. {details}")
            time.sleep(0.1)


def _state(process: Process) -> str:
    return "alive" if process.alive() else f"exited {process.popen.returncode}"
