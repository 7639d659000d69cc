"""What went wrong in an import or a synchronisation, as a code with parameters.

Readers, the HTTP client and the synchronisation raise `IntelError(code, **params)`; the
report keeps the code and the parameters next to an English text (for logs and the command
line), and the pages show `describe(code, params)` in the reader's language. Every message
names the file or the address concerned.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _


def gettext_noop(message: str) -> str:
    """Marks a message for extraction (`makemessages`) without needing the settings at import
    time: the readers stay importable outside Django (benchmarks, scripts)."""
    return message


MESSAGES = {
    "unreachable": gettext_noop("%(url)s: cannot connect (%(cause)s)"),
    "http_status": gettext_noop("%(url)s: the server answered HTTP %(status)s"),
    "retries_exhausted": gettext_noop(
        "%(url)s: no complete answer after %(attempts)s attempts (%(cause)s)"
    ),
    "unexpected_document": gettext_noop("%(url)s: the answer is not the expected document"),
    "too_large": gettext_noop("%(origin)s: larger than the limit of %(limit_mb)s MB (%(what)s)"),
    "entities_refused": gettext_noop(
        "%(origin)s: entity declarations are refused (entity %(name)s)"
    ),
    "external_refused": gettext_noop("%(origin)s: references to external files are refused"),
    "not_well_formed": gettext_noop("%(origin)s: XML that is not well-formed (%(detail)s)"),
    "not_rss": gettext_noop("%(origin)s: not an RSS 2.0 feed"),
    "kev_version": gettext_noop(
        "%(origin)s: catalogVersion %(value)s is not a catalog version "
        "(a date YYYY.MM.DD, not in the future): catalog refused"
    ),
}
# Causes, for the messages that have one.
CAUSES = {
    "dns": gettext_noop("host name not found: no network or no DNS"),
    "refused": gettext_noop("connection refused"),
    "network": gettext_noop("network unreachable"),
    "timeout": gettext_noop("no answer within the connection timeout"),
    "tls": gettext_noop("TLS negotiation failed"),
    "reset": gettext_noop("connection cut"),
    "truncated": gettext_noop("answer cut short"),
    "network_error": gettext_noop("network error"),
    "document": gettext_noop("a document read whole"),
    "line": gettext_noop("one line"),
    "file": gettext_noop("once decompressed"),
    "download": gettext_noop("download"),
}


class IntelError(Exception):
    """A problem with a code and its parameters; `str()` is the English message."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code, self.params = code, params
        super().__init__(describe(code, params, language="en"))


def describe(code: str, params: dict[str, Any], *, language: str | None = None) -> str:
    """The message of a problem, in `language` (default: the active language)."""
    if code not in MESSAGES:
        return str(params.get("detail") or code)
    if language is not None:
        with translation.override(language):
            return describe(code, params)
    values = {
        key: _(CAUSES[value]) if key in ("cause", "what") and value in CAUSES else value
        for key, value in params.items()
    }
    try:
        return _(MESSAGES[code]) % values
    except (KeyError, TypeError, ValueError):  # parameters from an older release
        return str(params.get("detail") or code)
