"""Scan policies: what each level does and how hard it pushes.

- `discovery`: live hosts and open ports, service names; no check.
- `standard` (default): + version detection and safe, non-intrusive checks.
- `deep`: + intrusive checks (vendor default credentials, HL7 acknowledgement, SNMP
  write-community heuristics…); the platform only allows it on scopes that opted in.
"""

from __future__ import annotations

from dataclasses import dataclass

from rempart.engine.ports import DEFAULT_TCP_SPEC, DEFAULT_UDP_SPEC, DISCOVERY_TCP, spec


@dataclass(frozen=True)
class Policy:
    name: str
    tcp_ports: str
    udp_ports: str
    version_detection: bool
    check_categories: frozenset[str]  # "safe", "intrusive"
    nmap_timing: str
    check_workers: int
    check_timeout_s: float


POLICIES: dict[str, Policy] = {
    "discovery": Policy("discovery", spec(DISCOVERY_TCP), "", False, frozenset(), "-T4", 0, 3.0),
    "standard": Policy(
        "standard", DEFAULT_TCP_SPEC, DEFAULT_UDP_SPEC, True, frozenset({"safe"}), "-T4", 16, 5.0
    ),
    "deep": Policy(
        "deep",
        DEFAULT_TCP_SPEC,
        DEFAULT_UDP_SPEC,
        True,
        frozenset({"safe", "intrusive"}),
        "-T3",
        8,
        8.0,
    ),
}


def get(name: str) -> Policy:
    try:
        return POLICIES[name]
    except KeyError as exc:
        raise ValueError(f"unknown policy {name!r}") from exc
