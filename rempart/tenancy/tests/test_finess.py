"""FINESS and SIRET validation: real numbers pass, each kind of mistake is named."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rempart.tenancy.finess import (
    finess_department,
    luhn_valid,
    normalize,
    validate_finess,
    validate_siret,
)


@pytest.mark.parametrize(
    "number",
    [
        "750712184",  # AP-HP, legal entity
        "750803447",  # Hôpital européen Georges-Pompidou
        "330781196",  # CHU de Bordeaux, legal entity
        "75 071 218 4",  # written with spaces
    ],
)
def test_real_finess_numbers_are_valid(number: str) -> None:
    validate_finess(number)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("75071218", "finess_length"),
        ("7507121845", "finess_length"),
        ("75O712184", "finess_format"),
        ("2C0712184", "finess_format"),
        ("000000000", "finess_department"),
        ("200000000", "finess_department"),
        ("990000000", "finess_department"),
        ("750712185", "finess_key"),
    ],
)
def test_invalid_finess_names_the_problem(number: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_finess(number)
    assert caught.value.code == code
    assert number in str(caught.value.messages[0])


def test_corsica_and_overseas_departments() -> None:
    # given numbers whose key is computed with the Corsican letter as 0
    corsica = next(f"2A000001{k}" for k in range(10) if luhn_valid(f"20000001{k}"))
    overseas = next(f"97100001{k}" for k in range(10) if luhn_valid(f"97100001{k}"))
    # then
    validate_finess(corsica)
    validate_finess(overseas)
    assert finess_department(corsica) == "2A"
    assert finess_department(overseas) == "971"
    assert finess_department("750712184") == "75"


def test_normalize() -> None:
    assert normalize(" 75.071.218-4 ") == "750712184"
    assert normalize("2a0000019") == "2A0000019"


def test_siret() -> None:
    validate_siret("73282932000074")  # the SIRET example of INSEE's documentation
    validate_siret("35600000010000")  # La Poste: digit sum multiple of 5, not Luhn
    with pytest.raises(ValidationError) as caught:
        validate_siret("73282932000075")
    assert caught.value.code == "siret_key"
    with pytest.raises(ValidationError):
        validate_siret("1234")
