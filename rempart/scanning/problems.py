"""The scan engine's problem codes (`rempart.engine.problems`) in the user's language."""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rempart.engine.problems import Problem, ProblemError

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
}


def _param(value: str | int) -> str:
    return number_format(value, force_grouping=True) if isinstance(value, int) else value


def describe(problem: Problem | ProblemError) -> str:
    """The problem's text in the active language (English from the engine if unknown)."""
    if isinstance(problem, ProblemError):
        problem = problem.problem
    template = TEXTS.get(problem.code)
    if template is None:
        return problem.english()
    params: dict[str, Any] = {k: _param(v) for k, v in problem.params.items()}
    return str(template) % params if params else str(template)
