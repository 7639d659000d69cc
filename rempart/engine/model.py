"""The engine's input and output: plain dataclasses with a strict JSON form.

`ScanResult.to_dict()` is the versioned result document a worker or a probe hands to the
platform; `ScanResult.from_dict()` validates one (from a probe, or stored) and raises
`ResultFormatError` naming the first problem.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from rempart.engine import ENGINE_VERSION, RESULT_SCHEMA_VERSION

SEVERITIES = ("info", "low", "medium", "high", "critical")
CONFIDENCES = ("confirmed", "firm", "tentative")
PROTOCOLS = ("tcp", "udp")
POLICIES = ("discovery", "standard", "deep")


class ResultFormatError(ValueError):
    """A scan result document does not follow the schema."""


@dataclass(frozen=True)
class RateLimits:
    """Politeness: packets per second for nmap, parallel hosts, connections per host."""

    max_rate: int = 300
    host_parallelism: int = 16
    connections_per_host: int = 4
    host_timeout_s: int = 900


@dataclass(frozen=True)
class ScanJob:
    """What to scan. Addresses outside `targets`, or inside `exclusions`, are never contacted."""

    targets: tuple[str, ...]
    exclusions: tuple[str, ...] = ()
    policy: str = "standard"
    tcp_ports: str | None = None  # nmap port specification; None: the policy's default set
    udp_ports: str | None = None
    rate: RateLimits = field(default_factory=RateLimits)
    job_id: str = ""
    check_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ValueError(f"unknown policy {self.policy!r}; expected one of {POLICIES}")
        if not self.targets:
            raise ValueError("a scan job needs at least one target")


@dataclass
class Service:
    """An open port and what runs behind it."""

    port: int
    protocol: str
    state: str = "open"
    name: str = ""
    product: str = ""
    version: str = ""
    extrainfo: str = ""
    cpe: list[str] = field(default_factory=list)
    banner: str = ""
    tunnel: str = ""  # "ssl" when the service speaks TLS
    identified_by: str = ""  # "nmap", or the native probe that named it


@dataclass
class Host:
    """A live host and its open services."""

    address: str
    hostnames: list[str] = field(default_factory=list)
    mac: str = ""
    mac_vendor: str = ""
    os_guess: str = ""
    services: list[Service] = field(default_factory=list)

    def service(self, port: int, protocol: str = "tcp") -> Service | None:
        return next((s for s in self.services if s.port == port and s.protocol == protocol), None)


@dataclass
class Finding:
    """One weakness observed on a host (port) by a check. `key` tells apart several findings
    of one check on one port (a cipher, a community…); it never holds volatile text."""

    check: str
    host: str
    port: int | None
    protocol: str | None
    title: str
    severity: str
    confidence: str
    evidence: str = ""  # English, for logs and readers that know no code
    key: str = ""
    cves: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    product: str = ""
    version: str = ""
    cpe: str = ""
    # The evidence as messages ({"code", "params"}, `rempart.engine.evidence`), rendered in
    # the user's language by the platform; the title's parameters when the check's title
    # names one (`Check.title_template`).
    evidence_messages: list[dict[str, Any]] = field(default_factory=list)
    title_params: dict[str, str | int] = field(default_factory=dict)
    title_fr: str = ""  # older result files; the platform translates titles by check id


@dataclass
class Coverage:
    """What the scan really looked at, so that absence can mean "fixed" only where covered."""

    hosts_targeted: list[str] = field(default_factory=list)
    hosts_up: list[str] = field(default_factory=list)
    tcp_ports: str = ""
    udp_ports: str = ""
    checks: list[dict[str, Any]] = field(
        default_factory=list
    )  # {host, port, protocol, check, status}


@dataclass
class ScanResult:
    job_id: str
    policy: str
    started_at: str
    finished_at: str = ""
    status: str = "completed"  # completed | failed | cancelled
    error: str = ""  # English
    error_message: dict[str, Any] = field(default_factory=dict)  # {"code", "params"} or {}
    hosts: list[Host] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)
    engine_version: str = ENGINE_VERSION
    nmap_version: str = ""
    schema_version: int = RESULT_SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> ScanResult:
        return _parse_result(data)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _require(data: dict[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    if name not in data:
        raise ResultFormatError(f"{where}: missing field {name!r}")
    value = data[name]
    if not isinstance(value, kind):
        raise ResultFormatError(f"{where}: field {name!r} has the wrong type")
    return value


def _parse_finding(raw: Any, index: int) -> Finding:
    where = f"findings[{index}]"
    if not isinstance(raw, dict):
        raise ResultFormatError(f"{where}: not an object")
    for name in ("check", "host", "title", "severity", "confidence"):
        _require(raw, name, str, where)
    if raw["severity"] not in SEVERITIES:
        raise ResultFormatError(f"{where}: unknown severity {raw['severity']!r}")
    if raw["confidence"] not in CONFIDENCES:
        raise ResultFormatError(f"{where}: unknown confidence {raw['confidence']!r}")
    port = raw.get("port")
    if port is not None and (not isinstance(port, int) or not 0 < port < 65536):  # noqa: PLR2004
        raise ResultFormatError(f"{where}: invalid port {port!r}")
    if raw.get("protocol") not in (None, *PROTOCOLS):
        raise ResultFormatError(f"{where}: invalid protocol {raw.get('protocol')!r}")
    for position, item in enumerate(raw.get("evidence_messages", [])):
        _check_message(item, f"{where}.evidence_messages[{position}]")
    if not _is_params(raw.get("title_params", {})):
        raise ResultFormatError(f"{where}: field 'title_params' has the wrong type")
    known = set(Finding.__dataclass_fields__)
    return Finding(**{k: v for k, v in raw.items() if k in known})


def _is_params(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str | int) for k, v in value.items()
    )


def _check_message(raw: Any, where: str) -> None:
    """A message is {"code": str, "params": {name: str | int}}."""
    if not isinstance(raw, dict) or not isinstance(raw.get("code"), str):
        raise ResultFormatError(f"{where}: not a message with a code")
    if not _is_params(raw.get("params", {})):
        raise ResultFormatError(f"{where}: the message's parameters have the wrong type")


def _parse_host(raw: Any, index: int) -> Host:
    where = f"hosts[{index}]"
    if not isinstance(raw, dict):
        raise ResultFormatError(f"{where}: not an object")
    _require(raw, "address", str, where)
    services = []
    for position, item in enumerate(_require(raw, "services", list, where)):
        if not isinstance(item, dict):
            raise ResultFormatError(f"{where}.services[{position}]: not an object")
        _require(item, "port", int, f"{where}.services[{position}]")
        _require(item, "protocol", str, f"{where}.services[{position}]")
        known = set(Service.__dataclass_fields__)
        services.append(Service(**{k: v for k, v in item.items() if k in known}))
    known = set(Host.__dataclass_fields__) - {"services"}
    return Host(services=services, **{k: v for k, v in raw.items() if k in known})


def _parse_result(data: Any) -> ScanResult:
    if not isinstance(data, dict):
        raise ResultFormatError("the result is not a JSON object")
    version = data.get("schema_version")
    if version != RESULT_SCHEMA_VERSION:
        raise ResultFormatError(
            f"unsupported result schema version {version!r} (expected {RESULT_SCHEMA_VERSION})"
        )
    for name in ("job_id", "policy", "started_at", "status"):
        _require(data, name, str, "result")
    hosts = [_parse_host(raw, i) for i, raw in enumerate(_require(data, "hosts", list, "result"))]
    findings = [
        _parse_finding(raw, i) for i, raw in enumerate(_require(data, "findings", list, "result"))
    ]
    if data.get("error_message"):
        _check_message(data["error_message"], "result.error_message")
    coverage_raw = _require(data, "coverage", dict, "result")
    coverage = Coverage(
        **{k: v for k, v in coverage_raw.items() if k in Coverage.__dataclass_fields__}
    )
    return ScanResult(
        job_id=data["job_id"],
        policy=data["policy"],
        started_at=data["started_at"],
        finished_at=data.get("finished_at", ""),
        status=data["status"],
        error=data.get("error", ""),
        error_message=data.get("error_message") or {},
        hosts=hosts,
        findings=findings,
        coverage=coverage,
        engine_version=data.get("engine_version", ""),
        nmap_version=data.get("nmap_version", ""),
    )
