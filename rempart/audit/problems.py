"""What a verification of the audit chain can find, in English (commands) and translated."""

from __future__ import annotations

from enum import StrEnum

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ChainProblem(StrEnum):
    """The first reason why the chain does not hold; stored by code in job results."""

    MISSING = "missing"
    LINK = "link"
    CONTENT = "content"
    MALFORMED = "malformed"
    HEAD_MISSING = "head_missing"
    TAIL_REMOVED = "tail_removed"
    HEAD_MISMATCH = "head_mismatch"
    HEAD_REBUILT = "head_rebuilt"

    def english(self, detail: str = "") -> str:
        with translation.override(None):
            return self.translated(detail)

    def translated(self, detail: str = "") -> str:
        return str(PROBLEM_TEXTS[self]) % {"detail": detail}


PROBLEM_TEXTS: dict[ChainProblem, Promise] = {
    ChainProblem.MISSING: _("entry #%(detail)s is missing"),
    ChainProblem.LINK: _("link to the previous entry does not match"),
    ChainProblem.CONTENT: _("content does not match its hash"),
    ChainProblem.MALFORMED: _("malformed value: %(detail)s"),
    ChainProblem.HEAD_MISSING: _(
        "the chain head row was removed: entries at the end may have been removed with it"
    ),
    ChainProblem.TAIL_REMOVED: _("entries after this point were removed"),
    ChainProblem.HEAD_MISMATCH: _("the chain head does not point at the last entry (#%(detail)s)"),
    ChainProblem.HEAD_REBUILT: _(
        "the chain head had been removed or moved and was rebuilt here: "
        "entries before this point may have been removed"
    ),
}
