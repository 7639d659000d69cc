"""FINESS and SIRET numbers: format, department prefix and check key.

A FINESS number (ET for a geographic establishment, EJ for the legal entity) has 9
characters: the department (2 characters: 01-19, 21-95, 2A, 2B; overseas 97x and 98x),
a sequence, and a last check key computed with the Luhn algorithm over the whole number.
For Corsica, the letter of 2A/2B counts as 0 in the key.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_FINESS_RE = re.compile(r"^(?:\d{2}|2[AB])\d{7}$")
_METROPOLITAN = {f"{n:02d}" for n in range(1, 96)} - {"20"} | {"2A", "2B"}
_OVERSEAS = {"97", "98"}


def normalize(value: str) -> str:
    """Upper-case and strip spaces, dots and dashes (FINESS is often written `75 071 218 4`)."""
    return re.sub(r"[\s.\-]", "", value or "").upper()


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) check."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2  # noqa: PLR2004
        total += digit
    return total % 10 == 0


def finess_department(value: str) -> str:
    """The department code of a valid FINESS number (`75`, `2A`, `971`…)."""
    value = normalize(value)
    return value[:3] if value[:2] in _OVERSEAS else value[:2]


def validate_finess(value: str) -> None:
    """Raise a translated ValidationError naming what is wrong with a FINESS number."""
    number = normalize(value)
    if len(number) != 9:  # noqa: PLR2004
        raise ValidationError(
            _("A FINESS number has 9 characters; %(value)s has %(count)d."),
            code="finess_length",
            params={"value": value, "count": len(number)},
        )
    if not _FINESS_RE.match(number):
        raise ValidationError(
            _("A FINESS number contains only digits (and 2A or 2B for Corsica): %(value)s."),
            code="finess_format",
            params={"value": value},
        )
    if number[:2] not in _METROPOLITAN | _OVERSEAS:
        raise ValidationError(
            _("%(prefix)s is not a French department code (FINESS %(value)s)."),
            code="finess_department",
            params={"prefix": number[:2], "value": value},
        )
    if not luhn_valid(number.replace("A", "0").replace("B", "0")):
        raise ValidationError(
            _("The check key of FINESS %(value)s is wrong (last character)."),
            code="finess_key",
            params={"value": value},
        )


def validate_siret(value: str) -> None:
    """A SIRET has 14 digits and passes the Luhn check (La Poste's SIRETs use a digit sum)."""
    number = normalize(value)
    if not re.fullmatch(r"\d{14}", number):
        raise ValidationError(
            _("A SIRET number has 14 digits: %(value)s."),
            code="siret_format",
            params={"value": value},
        )
    la_poste = number.startswith("356000000") and sum(int(c) for c in number) % 5 == 0
    if not (luhn_valid(number) or la_poste):
        raise ValidationError(
            _("The check key of SIRET %(value)s is wrong."),
            code="siret_key",
            params={"value": value},
        )
