"""Kinds of timeline entries. Modules may add theirs (`register_entry_kind`) at import time,
e.g. an exercise's "stimulus sent"."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

NOTE, CHANGE, STATUS = "note", "change", "status"
ENTRY_KINDS: dict[str, Promise] = {
    NOTE: pgettext_lazy("timeline", "Note"),
    STATUS: pgettext_lazy("timeline", "Status change"),
    CHANGE: pgettext_lazy("timeline", "Change"),
    "detection": pgettext_lazy("timeline", "Detection"),
    "action": pgettext_lazy("timeline", "Action taken"),
    "decision": pgettext_lazy("timeline", "Decision"),
    "communication": pgettext_lazy("timeline", "Communication"),
}
# What people may write by hand (status and change entries are written by the platform).
MANUAL_KINDS: tuple[str, ...] = (NOTE, "detection", "action", "decision", "communication")


def register_entry_kind(code: str, label: Promise, *, manual: bool = True) -> None:
    global MANUAL_KINDS  # noqa: PLW0603  (import-time registry)
    ENTRY_KINDS.setdefault(code, label)
    if manual and code not in MANUAL_KINDS:
        MANUAL_KINDS = (*MANUAL_KINDS, code)


def manual_choices() -> list[tuple[str, str]]:
    return [(code, str(ENTRY_KINDS[code])) for code in MANUAL_KINDS]
