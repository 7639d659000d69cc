"""Targets and exclusions: parse, merge, expand to addresses, and guard every connection.

Accepted forms: an address (`10.0.0.5`, `2001:db8::5`), a CIDR block (`10.0.0.0/28`), a
range (`10.0.0.1-20` or `10.0.0.1-10.0.0.20`) and a host name (resolved once, here).

Lines are merged before anything is expanded: duplicates and overlapping blocks count once
(`ipaddress.collapse_addresses`), and the merged total is capped at `MAX_ADDRESSES`, so that
neither two large blocks nor thousands of repeated lines can make a scope or a scan larger
than the cap. Errors carry a message code and parameters (`TargetError.problem`).
"""

from __future__ import annotations

import bisect
import ipaddress
import re
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rempart.engine.problems import Problem, ProblemError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_ADDRESSES = 65536
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*\.?$"
)


class TargetError(ProblemError):
    """A target or exclusion cannot be understood; `problem` names it (code + parameters)."""


class ScopeViolationError(PermissionError):
    """Something tried to contact an address outside the job's allowed set."""


@dataclass(frozen=True)
class Block:
    """One network a target names; `hosts_only`: an IPv4 CIDR block, whose network and
    broadcast addresses are not scanned."""

    network: IPNetwork
    hosts_only: bool = False

    def addresses(self) -> Iterator[IPAddress]:
        if self.hosts_only and self.network.num_addresses > 2:  # noqa: PLR2004
            return self.network.hosts()
        return iter(self.network)


def _range(text: str, limit: int | None) -> list[Block]:
    start_text, _, end_text = text.partition("-")
    start = ipaddress.ip_address(start_text.strip())
    end_text = end_text.strip()
    if end_text.isdigit() and isinstance(start, ipaddress.IPv4Address):
        end: IPAddress = ipaddress.IPv4Address(".".join([*str(start).split(".")[:3], end_text]))
    else:
        end = ipaddress.ip_address(end_text)
    if type(start) is not type(end) or int(end) < int(start):
        raise TargetError("target.range_order", target=text)
    if limit is not None and int(end) - int(start) >= limit:
        raise TargetError("target.too_large", target=text, max=limit)
    return [Block(n) for n in ipaddress.summarize_address_range(start, end)]


def blocks(spec: str, *, limit: int | None = MAX_ADDRESSES) -> list[Block]:
    """The networks one target names (at most `limit` addresses); raises TargetError for
    anything else. Host names are resolved (a name that does not resolve is refused like an
    impossible address)."""
    text = spec.strip()
    if not text:
        raise TargetError("target.empty")
    try:
        if "/" in text:
            network = ipaddress.ip_network(text, strict=False)
            if limit is not None and network.num_addresses > limit:
                raise TargetError("target.too_large", target=text, max=limit)
            return [Block(network, hosts_only=network.version == 4)]  # noqa: PLR2004
        if "-" in text and _is_address(text.split("-", 1)[0]):
            return _range(text, limit)
        return [Block(ipaddress.ip_network(text))]
    except TargetError:
        raise
    except ValueError as exc:
        if "/" in text or not _HOSTNAME.match(text):
            raise TargetError("target.invalid", target=text) from exc
    return [Block(ipaddress.ip_network(a)) for a in _resolve(text)]


def expand(spec: str) -> list[IPAddress]:
    """The addresses one target names; raises TargetError for anything else."""
    return sorted({a for block in blocks(spec) for a in block.addresses()}, key=int)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    return True


def validate_syntax(spec: str) -> None:
    """Check a target's form and resolve host names (refused the same way as an impossible
    address when they do not resolve)."""
    blocks(spec)


def _resolve(name: str) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetError("target.unresolved", target=name) from exc
    return sorted({ipaddress.ip_address(info[4][0]) for info in infos}, key=int)


def merged(specs: Iterable[str], *, limit: int | None = MAX_ADDRESSES) -> list[Block]:
    """The distinct blocks of `specs` (each line parsed once, duplicates dropped); raises
    TargetError for the first bad line, or when the merged networks hold more than `limit`
    addresses."""
    found, problems = _collect(specs, limit=limit)
    if problems:
        raise TargetError(problems[0].code, **problems[0].params)
    return found


def problems(specs: Iterable[str], *, limit: int | None = MAX_ADDRESSES) -> list[Problem]:
    """Every bad line of `specs`, or the merged total when it exceeds `limit`."""
    return _collect(specs, limit=limit)[1]


def _collect(specs: Iterable[str], *, limit: int | None) -> tuple[list[Block], list[Problem]]:
    found: dict[Block, None] = {}
    errors: list[Problem] = []
    for spec in dict.fromkeys(s.strip() for s in specs):
        try:
            found.update(dict.fromkeys(blocks(spec, limit=limit)))
        except TargetError as exc:
            errors.append(exc.problem)
    if not errors and limit is not None:
        total = total_addresses(b.network for b in found)
        if total > limit:
            errors.append(Problem("target.total_too_large", {"count": total, "max": limit}))
    return list(found), errors


def public_targets(specs: Iterable[str]) -> list[str]:
    """The targets that name at least one public (globally routable) address; host names
    are resolved. Unreadable targets are left to `problems`."""
    public: list[str] = []
    for spec in dict.fromkeys(s.strip() for s in specs):
        try:
            if any(block.network.is_global for block in blocks(spec)):
                public.append(spec)
        except TargetError:
            continue
    return public


def total_addresses(networks: Iterable[IPNetwork]) -> int:
    """How many addresses the networks hold together, overlaps counted once."""
    by_version: dict[int, list[IPNetwork]] = {4: [], 6: []}
    for network in networks:
        by_version[network.version].append(network)
    total = 0
    for group in by_version.values():
        for network in ipaddress.collapse_addresses(group):  # type: ignore[type-var]
            total += network.num_addresses
    return total


def expand_all(specs: Iterable[str]) -> set[IPAddress]:
    """Every address the targets name, after merging (at most MAX_ADDRESSES)."""
    return {a for block in merged(specs) for a in block.addresses()}


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


class _Ranges:
    """Merged networks as sorted integer ranges: membership by bisection, nothing expanded."""

    def __init__(self, networks: list[IPNetwork]) -> None:
        self.starts: dict[int, list[int]] = {}
        self.ends: dict[int, list[int]] = {}
        for version in (4, 6):
            group = [n for n in networks if n.version == version]
            collapsed = list(ipaddress.collapse_addresses(group))  # type: ignore[type-var]
            self.starts[version] = [int(n.network_address) for n in collapsed]
            self.ends[version] = [int(n.broadcast_address) for n in collapsed]

    def __contains__(self, address: IPAddress) -> bool:
        starts = self.starts[address.version]
        index = bisect.bisect_right(starts, int(address)) - 1
        return index >= 0 and int(address) <= self.ends[address.version][index]


class Perimeter:
    """Whether an address lies in the targets and outside the exclusions, without expanding
    them (no size limit: used to sort a report's hosts, never to contact anything)."""

    def __init__(self, targets: Iterable[str], exclusions: Iterable[str]) -> None:
        self.included = _Ranges(_networks(targets))
        self.excluded = _Ranges(_networks(exclusions))

    def __contains__(self, address: str) -> bool:
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return False
        return parsed in self.included and parsed not in self.excluded


def _networks(specs: Iterable[str]) -> list[IPNetwork]:
    return [block.network for block in merged(specs, limit=None)]
