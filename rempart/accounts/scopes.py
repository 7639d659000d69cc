"""API token scopes: read or write, per module. Modules register themselves here."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# module key -> label. Later modules (scanning, intel, phishing…) add their key.
MODULES: dict[str, Promise] = {
    "tenancy": _("Establishments, groups, users and memberships"),
    "audit": _("Audit log"),
    "jobs": _("Jobs"),
}


def all_scopes() -> list[str]:
    return [f"{module}:{mode}" for module in MODULES for mode in ("read", "write")]


def scope_choices() -> list[tuple[str, str]]:
    labels = {"read": _("read"), "write": _("read and write")}
    return [
        (f"{module}:{mode}", f"{label} — {labels[mode]}")
        for module, label in MODULES.items()
        for mode in ("read", "write")
    ]


def allows(scopes: list[str], module: str, *, write: bool) -> bool:
    """`module:write` implies read; `module:read` allows safe methods only."""
    if f"{module}:write" in scopes:
        return True
    return not write and f"{module}:read" in scopes
