"""Messages the engine reports as a code with parameters, never as finished text.

The engine has no Django and no translations: the platform renders each code in the user's
language (`rempart.scanning.problems`); `english()` is for logs, probes and the engine's own
result file. Three tables: problems (targets, nmap reports, scan failures) and progress here,
finding evidence in `rempart.engine.evidence`. How to add a code: docs/scanning.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rempart.engine.evidence import ENGLISH as EVIDENCE

# Codes are stable (the interface translates them); parameters are named.
ENGLISH: dict[str, str] = {
    "target.empty": "empty target",
    "target.invalid": "%(target)s: not an address, a network, a range or a host name",
    "target.unresolved": "%(target)s: neither a valid address nor a host name that resolves",
    "target.range_order": "%(target)s: the range end must follow its start",
    "target.too_large": "%(target)s: more than %(max)s addresses",
    "target.total_too_large": (
        "the targets together hold %(count)s addresses, more than %(max)s in one scope or scan"
    ),
    "nmap.empty": "%(source)s: empty document",
    "nmap.not_xml": (
        "%(source)s: not well-formed XML, possibly truncated (line %(line)s, column %(column)s)"
    ),
    "nmap.entity_refused": (
        "%(source)s: the document declares an XML entity (%(entity)s); entity declarations "
        "are refused (they can expand without limit or read local files)"
    ),
    "nmap.external_refused": (
        "%(source)s: the document refers to an external resource (%(entity)s); refused"
    ),
    "nmap.dtd_refused": "%(source)s: the document's DTD is refused",
    "nmap.not_nmaprun": "%(source)s: root element is <%(tag)s>, not <nmaprun>",
    "nmap.no_address": "%(source)s: host #%(host)s has no IP address",
    "nmap.invalid_port": "%(source)s: host #%(host)s has an invalid port %(port)s",
    "nmap.no_host": "%(source)s: the report holds no host",
    "scan.cancelled": "cancelled by a user",
    "scan.nmap_missing": "nmap is not installed (Debian: apt-get install nmap)",
    "scan.nmap_timeout": "nmap did not finish within %(seconds)s s",
    "scan.nmap_stopped": "stopped",
    "scan.nmap_failed": "nmap failed (%(returncode)s): %(detail)s",
}

# Scan progress. A parameter named `count` chooses the plural form in the platform.
PROGRESS: dict[str, str] = {
    "progress.discovery": "host discovery and open ports",
    "progress.hosts_live": "%(count)s live hosts",
    "progress.host_done": "%(address)s scanned",
    "progress.done.completed": "scan completed",
    "progress.done.failed": "scan failed",
    "progress.done.cancelled": "scan cancelled",
}

TABLES: tuple[Mapping[str, str], ...] = (ENGLISH, PROGRESS, EVIDENCE)


def english_template(code: str) -> str | None:
    """The English text of `code`, whichever table holds it (None if unknown)."""
    return next((table[code] for table in TABLES if code in table), None)


@dataclass(frozen=True)
class Message:
    """A code the interface translates and the values it names (problem, progress,
    evidence)."""

    code: str
    params: Mapping[str, str | int] = field(default_factory=dict)

    def english(self) -> str:
        template = english_template(self.code) or self.code
        return template % dict(self.params) if self.params else template

    def as_dict(self) -> dict[str, Any]:
        """The JSON form carried by result files: {"code": ..., "params": {...}}."""
        return {"code": self.code, "params": dict(self.params)}

    def __str__(self) -> str:
        return self.english()


Problem = Message  # what went wrong


def msg(code: str, /, **params: str | int) -> Message:
    """A message; unknown codes are a programming error caught by the tests."""
    return Message(code, params)


class ProblemError(ValueError):
    """An error that carries a Problem; str() is the English text."""

    def __init__(self, code: str, **params: str | int) -> None:
        self.problem = Message(code, params)
        super().__init__(self.problem.english())
