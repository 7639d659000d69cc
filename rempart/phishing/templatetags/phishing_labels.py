"""Labels of the phishing codes stored in the database (cue codes, difficulty, scanner
signals), in the reader's language: a page, the PDF report or an export never shows a code
such as `urgency, link_mismatch`."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from rempart.phishing.choices import Difficulty, ScannerSignal
from rempart.phishing.settings.library import CUES

register = template.Library()


@register.filter
def cue_labels(codes: Iterable[str] | None) -> str:
    """The cues' labels, comma-separated (a code of no known cue is shown as entered)."""
    return ", ".join(str(CUES[code][0]) if code in CUES else code for code in codes or ())


@register.filter
def difficulty_label(code: str | None) -> str:
    """The NIST Phish Scale difficulty's label ("—" when not rated)."""
    return str(Difficulty(code).label) if code in Difficulty.values else "—"


@register.filter
def signal_label(code: str) -> str:
    """Why a hit was set apart as automated, in words."""
    return str(ScannerSignal(code).label) if code in ScannerSignal.values else code
