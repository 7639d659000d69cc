"""Check framework: every native check is a class with a stable id and English texts (the
platform translates them by check id, `rempart.scanning.check_texts`).

A check declares which services it applies to and returns findings; it opens connections
only through `context.allowed` (the scope guard). Registration is import-time and
side-effect free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rempart.engine.model import Finding, Host, Service
from rempart.engine.problems import Message
from rempart.engine.targets import AllowedSet


@dataclass
class CheckContext:
    """What a check may use: the scope guard, its time budget, options and the policy."""

    allowed: AllowedSet
    timeout: float = 5.0
    policy: str = "standard"
    options: dict[str, Any] = field(default_factory=dict)
    should_stop: Callable[[], bool] = lambda: False


class Check:
    """Base class. Subclasses set the class attributes and implement `applies` and `run`."""

    id: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    remediation: ClassVar[str]
    # The title of a finding that names something (a protocol, a product), with %(name)s
    # parameters; the platform translates it by check id (`rempart.scanning.check_texts`).
    title_template: ClassVar[str] = ""
    severity: ClassVar[str]
    confidence: ClassVar[str] = "confirmed"
    category: ClassVar[str] = "safe"  # "safe" or "intrusive"
    references: ClassVar[tuple[str, ...]] = ()
    ports: ClassVar[tuple[int, ...]] = ()  # default ports (used when nmap cannot name it)
    services: ClassVar[tuple[str, ...]] = ()  # nmap service names
    protocol: ClassVar[str] = "tcp"

    def applies(self, host: Host, service: Service) -> bool:
        if service.protocol != self.protocol:
            return False
        name = service.name.lower()
        if self.services and any(name == s or name.startswith(s + "-") for s in self.services):
            return True
        return service.port in self.ports and name in ("", "unknown", "tcpwrapped", *self.services)

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        raise NotImplementedError  # pragma: no cover - every registered check overrides it

    def finding(
        self,
        host: Host,
        service: Service | None,
        *,
        evidence: Message | list[Message],
        key: str = "",
        severity: str | None = None,
        confidence: str | None = None,
        title_params: dict[str, str | int] | None = None,
        cves: list[str] | None = None,
    ) -> Finding:
        """A finding; `evidence` is one message or several (shown joined by "; ")."""
        messages = [evidence] if isinstance(evidence, Message) else evidence
        params = title_params or {}
        return Finding(
            check=self.id,
            host=host.address,
            port=service.port if service else None,
            protocol=service.protocol if service else None,
            title=self.title_template % params if params else self.title,
            severity=severity or self.severity,
            confidence=confidence or self.confidence,
            evidence="; ".join(m.english() for m in messages)[:4000],
            evidence_messages=[_clip(m).as_dict() for m in messages],
            title_params=dict(params),
            key=key,
            cves=list(cves or []),
            references=list(self.references),
            product=service.product if service else "",
            version=service.version if service else "",
            cpe=service.cpe[0] if service and service.cpe else "",
        )

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """The check's catalogue entry, in English (the platform translates the texts)."""
        return {
            "id": cls.id,
            "title": cls.title,
            "description": cls.description,
            "remediation": cls.remediation,
            "title_template": cls.title_template,
            "severity": cls.severity,
            "confidence": cls.confidence,
            "category": cls.category,
            "references": list(cls.references),
        }


def _clip(message: Message) -> Message:
    """Parameters come from scanned hosts: none longer than the evidence column allows."""
    return Message(
        message.code,
        {k: v[:1000] if isinstance(v, str) else v for k, v in message.params.items()},
    )


REGISTRY: dict[str, Check] = {}


def register(check_class: type[Check]) -> type[Check]:
    """Class decorator: add one instance of the check to the registry."""
    if check_class.id in REGISTRY:
        raise ValueError(f"duplicate check id {check_class.id}")
    REGISTRY[check_class.id] = check_class()
    return check_class


def checks_for(policy_categories: frozenset[str]) -> list[Check]:
    return [check for check in REGISTRY.values() if check.category in policy_categories]


def recv_until(sock: Any, *, limit: int = 65536, marker: bytes | None = None) -> bytes:
    """Read from a socket until `marker`, the limit, the peer closing or the timeout."""
    data = b""
    try:
        while len(data) < limit:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
            if marker is not None and marker in data:
                break
    except OSError:
        pass
    return data
