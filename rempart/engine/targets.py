"""Targets and exclusions: parse, expand to addresses, and guard every connection.

Accepted forms: an address (`10.0.0.5`, `2001:db8::5`), a CIDR block (`10.0.0.0/28`), a
range (`10.0.0.1-20` or `10.0.0.1-10.0.0.20`) and a host name (resolved once, here).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_ADDRESSES = 65536
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*\.?$"
)


class TargetError(ValueError):
    """A target or exclusion cannot be understood; the message names it."""


class ScopeViolationError(PermissionError):
    """Something tried to contact an address outside the job's allowed set."""


def _range(spec: str) -> Iterator[IPAddress]:
    start_text, _, end_text = spec.partition("-")
    start = ipaddress.ip_address(start_text.strip())
    end_text = end_text.strip()
    if end_text.isdigit() and isinstance(start, ipaddress.IPv4Address):
        end: IPAddress = ipaddress.IPv4Address(".".join([*str(start).split(".")[:3], end_text]))
    else:
        end = ipaddress.ip_address(end_text)
    if type(start) is not type(end) or int(end) < int(start):
        raise TargetError(f"{spec}: the range end must follow its start")
    if int(end) - int(start) >= MAX_ADDRESSES:
        raise TargetError(f"{spec}: more than {MAX_ADDRESSES} addresses")
    for value in range(int(start), int(end) + 1):
        yield ipaddress.ip_address(value)


def expand(spec: str) -> list[IPAddress]:
    """The addresses one target names; raises TargetError for anything else."""
    text = spec.strip()
    if not text:
        raise TargetError("empty target")
    try:
        if "/" in text:
            network = ipaddress.ip_network(text, strict=False)
            if network.num_addresses > MAX_ADDRESSES:
                raise TargetError(f"{text}: more than {MAX_ADDRESSES} addresses")
            if network.num_addresses > 2 and network.version == 4:  # noqa: PLR2004
                return list(network.hosts())
            return list(network)
        if "-" in text and _is_address(text.split("-", 1)[0]):
            return list(_range(text))
        return [ipaddress.ip_address(text)]
    except ValueError as exc:
        if isinstance(exc, TargetError):
            raise
        if "/" not in text and _HOSTNAME.match(text):
            return _resolve(text)
        raise TargetError(f"{text}: not an address, a network, a range or a host name") from exc


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    return True


def validate_syntax(spec: str) -> None:
    """Check a target's form without resolving names (names are resolved at scan time)."""
    text = spec.strip()
    looks_numeric = text.replace(".", "").replace("-", "").replace("/", "").isdigit()
    if text and _HOSTNAME.match(text) and not looks_numeric and ":" not in text:
        return
    expand(text)


def _resolve(name: str) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise TargetError(f"{name}: the host name does not resolve") from exc
    return sorted({ipaddress.ip_address(info[4][0]) for info in infos}, key=int)


def expand_all(specs: Iterable[str]) -> set[IPAddress]:
    addresses: set[IPAddress] = set()
    for spec in specs:
        addresses.update(expand(spec))
        if len(addresses) > MAX_ADDRESSES:
            raise TargetError(f"more than {MAX_ADDRESSES} addresses in one scan")
    return addresses


@dataclass(frozen=True)
class AllowedSet:
    """The addresses a job may contact: its targets minus its exclusions."""

    addresses: frozenset[IPAddress]
    excluded: frozenset[IPAddress]

    @classmethod
    def build(cls, targets: Iterable[str], exclusions: Iterable[str]) -> AllowedSet:
        excluded = frozenset(expand_all(exclusions))
        return cls(frozenset(expand_all(targets) - excluded), excluded)

    def sorted(self) -> list[str]:
        return [str(a) for a in sorted(self.addresses, key=lambda a: (a.version, int(a)))]

    def check(self, address: str) -> str:
        """Return the address when it may be contacted; raise ScopeViolationError otherwise."""
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError as exc:
            raise ScopeViolationError(f"{address!r} is not an address") from exc
        if parsed in self.excluded or parsed not in self.addresses:
            raise ScopeViolationError(f"{address} is outside the authorised scope of this scan")
        return str(parsed)

    def tcp_connect(self, address: str, port: int, timeout: float) -> socket.socket:
        """The only way checks open TCP connections: refuses anything out of scope."""
        return socket.create_connection((self.check(address), port), timeout=timeout)

    def udp_socket(self, address: str, port: int, timeout: float) -> socket.socket:
        """A connected UDP socket to an in-scope address."""
        checked = self.check(address)
        family = socket.AF_INET6 if ":" in checked else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.settimeout(timeout)
        sock.connect((checked, port))
        return sock
