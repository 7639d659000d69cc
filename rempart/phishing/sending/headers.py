"""The custom headers of a sending profile: which names and values may be added to every
simulation message.

A name is a token of letters, digits and dashes (RFC 5322 allows more, mail filters match
these). Refused: the headers Rempart writes itself (a second `From` or `Content-Type` would
make the message malformed or let the profile hide the simulation token), and the trace and
authentication headers that only mail servers on the way add (a sender that writes them
forges the message's route). A value is one line of printable text: a line break would let a
value start a header of its own.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

TOKEN_HEADER = "X-Rempart-Simulation"  # noqa: S105 (a header name, not a secret)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,75}$")
MAX_VALUE = 500
MAX_HEADERS = 20
SET_BY_REMPART = frozenset(
    name.lower()
    for name in (
        "From",
        "To",
        "Cc",
        "Bcc",
        "Subject",
        "Date",
        "Message-ID",
        "MIME-Version",
        "Sender",
        TOKEN_HEADER,
    )
)
SET_BY_SERVERS = frozenset(
    name.lower()
    for name in (
        "Return-Path",
        "Received",
        "Received-SPF",
        "Authentication-Results",
        "DKIM-Signature",
        "Delivered-To",
    )
)
PREFIXES_BY_REMPART = ("content-",)
PREFIXES_BY_SERVERS = ("arc-", "resent-")


def header_problem(name: str, value: str) -> str | None:
    """Why `name: value` cannot be a custom header (None when it can)."""
    key = name.lower()
    if not NAME.match(name):
        return _(
            "“%(name)s” is not a header name: use letters, digits and dashes "
            "(e.g. X-Simulation-Phishing)."
        ) % {"name": name[:80]}
    if key in SET_BY_REMPART or key.startswith(PREFIXES_BY_REMPART):
        return _("“%(name)s” is written by Rempart itself: it cannot be set here.") % {"name": name}
    if key in SET_BY_SERVERS or key.startswith(PREFIXES_BY_SERVERS):
        return _(
            "“%(name)s” is added by the mail servers a message goes through, never by its "
            "sender: it cannot be set here."
        ) % {"name": name}
    return value_problem(value)


def value_problem(value: str) -> str | None:
    """Why `value` cannot be a header value (None when it can)."""
    if not value.strip():
        return _("Give the header's value.")
    if len(value) > MAX_VALUE:
        return _("A header value has at most %(count)d characters.") % {"count": MAX_VALUE}
    if any(ord(char) < 32 or ord(char) == 127 for char in value):  # noqa: PLR2004 (controls)
        return _("A header value is one line of text, without line breaks or control characters.")
    return None


def validate_headers(headers: object) -> dict[str, str]:
    """`headers` as stored (names to values), checked whole; raises ValidationError."""
    if not isinstance(headers, dict):
        raise ValidationError(_("Custom headers are names with their values."))
    if len(headers) > MAX_HEADERS:
        raise ValidationError(_("At most %(count)d custom headers.") % {"count": MAX_HEADERS})
    problems = [header_problem(str(name), str(value)) for name, value in headers.items()]
    problems += [repeated_name(list(map(str, headers)))]
    found = [problem for problem in problems if problem]
    if found:
        raise ValidationError(found)
    return {str(name): str(value) for name, value in headers.items()}


def repeated_name(names: list[str]) -> str | None:
    """The problem of a name given twice (case ignored), if one is."""
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            return _("The header “%(name)s” is given twice.") % {"name": name}
        seen.add(name.lower())
    return None
