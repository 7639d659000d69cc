"""Problems the engine reports as a message code with parameters, never as finished text.

The engine has no Django and no translations: the platform renders each code in the user's
language (`rempart.scanning.problems`); `english()` is for logs, probes and the engine's own
result file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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
}


@dataclass(frozen=True)
class Problem:
    """What went wrong, as a code the interface translates and the values it names."""

    code: str
    params: Mapping[str, str | int] = field(default_factory=dict)

    def english(self) -> str:
        template = ENGLISH.get(self.code, self.code)
        return template % dict(self.params) if self.params else template

    def __str__(self) -> str:
        return self.english()


class ProblemError(ValueError):
    """An error that carries a Problem; str() is the English text."""

    def __init__(self, code: str, **params: str | int) -> None:
        self.problem = Problem(code, params)
        super().__init__(self.problem.english())
