"""The scan engine's message codes (`rempart.engine.problems`) in the user's language.

Problems (targets, nmap reports, scan failures) and progress here, evidence in
`rempart.scanning.evidence`; every code the engine can emit has a text (a test checks it),
and an unknown one falls back to the engine's English. How to add a code: docs/scanning.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

from rempart.engine.problems import Message, ProblemError
from rempart.scanning.evidence import EVIDENCE, TERMS

TEXTS: dict[str, Promise] = {
    "target.empty": _("Empty target."),
    "target.invalid": _("%(target)s: neither an address, a network, a range nor a host name."),
    "target.unresolved": _("%(target)s: neither a valid address nor a host name that resolves."),
    "target.range_order": _("%(target)s: the end of the range must follow its start."),
    "target.too_large": _("%(target)s: more than %(max)s addresses."),
    "target.total_too_large": _(
        "Together, these targets hold %(count)s addresses (overlaps counted once): more than "
        "%(max)s in one scope or one scan. Split them into several scopes."
    ),
    "nmap.empty": _("%(source)s: the document is empty."),
    "nmap.not_xml": _(
        "%(source)s: not well-formed XML, possibly truncated (line %(line)s, column %(column)s)."
    ),
    "nmap.entity_refused": _(
        "%(source)s: the document declares an XML entity (%(entity)s). Entity declarations "
        "are refused: they can expand without limit or read local files. nmap never writes "
        "them; export the report again from nmap."
    ),
    "nmap.external_refused": _(
        "%(source)s: the document refers to an external resource (%(entity)s); refused."
    ),
    "nmap.dtd_refused": _("%(source)s: the document's DTD is refused."),
    "nmap.not_nmaprun": _("%(source)s: the root element is <%(tag)s>, not <nmaprun>."),
    "nmap.no_address": _("%(source)s: host no. %(host)s has no IP address."),
    "nmap.invalid_port": _("%(source)s: host no. %(host)s has an invalid port %(port)s."),
    "nmap.no_host": _("%(source)s: the report holds no host."),
    "scan.cancelled": _("Cancelled by a user."),
    "scan.nmap_missing": _("nmap is not installed (Debian: apt-get install nmap)."),
    "scan.nmap_timeout": _("nmap did not finish within %(seconds)s s."),
    "scan.nmap_stopped": _("nmap was stopped."),
    "scan.nmap_failed": _("nmap failed (code %(returncode)s): %(detail)s"),
}

PROGRESS: dict[str, Promise] = {
    "progress.discovery": _("Host discovery and open ports"),
    "progress.hosts_live": ngettext_lazy("%(count)s live host", "%(count)s live hosts", "count"),
    "progress.host_done": _("%(address)s scanned"),
    "progress.done.completed": pgettext_lazy("scan progress", "Scan completed"),
    "progress.done.failed": pgettext_lazy("scan progress", "Scan failed"),
    "progress.done.cancelled": pgettext_lazy("scan progress", "Scan cancelled"),
}


def _param(name: str, value: str | int, *, plural: bool) -> str | int:
    if plural and name == "count":
        return value  # chooses the plural form (ngettext_lazy(..., "count"))
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    if name.endswith("_term") and value in TERMS:
        return str(TERMS[value])
    return value


def render_params(params: Mapping[str, Any], *, plural: bool = False) -> dict[str, Any]:
    """Parameters ready for a translated template: grouped numbers, translated terms; with
    `plural`, `count` stays a number (a plural template chooses its form with it)."""
    return {k: _param(k, v, plural=plural) for k, v in params.items() if isinstance(v, str | int)}


def _is_plural(template: Promise) -> bool:
    """Made by ngettext_lazy (its keyword arguments name the plural)."""
    return "plural" in getattr(template, "_kw", {})


def render(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The message in the active language (the engine's English if the code is unknown or
    its parameters do not fit the translation)."""
    params = params or {}
    template = TEXTS.get(code) or PROGRESS.get(code) or EVIDENCE.get(code)
    english = Message(code, {k: v for k, v in params.items() if isinstance(v, str | int)})
    if template is None:
        return _english(english)
    try:
        ready = render_params(params, plural=_is_plural(template))
        return str(template % ready) if params else str(template)
    except (KeyError, TypeError, ValueError):
        return _english(english)


def _english(message: Message) -> str:
    try:
        return message.english()
    except (KeyError, TypeError, ValueError):
        return message.code


def render_evidence(messages: Sequence[Mapping[str, Any]] | None, fallback: str) -> str:
    """Evidence in the active language: its messages joined by "; ", else `fallback` (rows
    written before codes existed, imports)."""
    if not messages:
        return fallback
    parts = [render(str(m.get("code", "")), m.get("params")) for m in messages]
    return "; ".join(part for part in parts if part) or fallback


def describe(problem: Message | ProblemError) -> str:
    """The problem's text in the active language (English from the engine if unknown)."""
    if isinstance(problem, ProblemError):
        problem = problem.problem
    return render(problem.code, problem.params)
