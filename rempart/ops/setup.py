"""First start of a platform: the operator row and the first administrator."""

from __future__ import annotations

import os

from django.db import transaction

from rempart.accounts.services import IssuedSecret, first_admin_ensure
from rempart.tenancy.choices import EstablishmentCategory
from rempart.tenancy.models import Establishment, Operator

DEFAULT_OPERATOR = "Opérateur régional de santé numérique"


@transaction.atomic
def operator_ensure() -> Operator:
    """The cooperative's row; its name comes from REMPART_OPERATOR_NAME the first time."""
    operator = Operator.objects.order_by("pk").first()
    if operator is None:
        name = os.environ.get("REMPART_OPERATOR_NAME", DEFAULT_OPERATOR)
        operator = Operator.objects.create(
            name=name,
            short_name=os.environ.get("REMPART_OPERATOR_SHORT_NAME", name[:50]),
            region=os.environ.get("REMPART_OPERATOR_REGION", ""),
        )
    return operator


OWN_IT_SLUG = "operateur-si"


@transaction.atomic
def operator_own_ensure(operator: Operator) -> Establishment:
    """The cooperative's own IT, scanned like any member (it may have no FINESS)."""
    own = (
        Establishment.objects.filter(operator=operator, is_operator_own=True).order_by("pk").first()
    )
    if own is None:
        own = Establishment.objects.create(
            operator=operator,
            slug=OWN_IT_SLUG,
            is_operator_own=True,
            name=f"Système d'information — {operator.short_name}",
            category=EstablishmentCategory.OPERATOR,
            finess_et=os.environ.get("REMPART_OPERATOR_FINESS_ET") or None,
            finess_ej=os.environ.get("REMPART_OPERATOR_FINESS_EJ", ""),
        )
    return own


def platform_setup() -> tuple[Operator, IssuedSecret | None]:
    """Idempotent: returns the operator and, the first time only, the admin's one-time password."""
    operator = operator_ensure()
    operator_own_ensure(operator)
    email = os.environ.get("REMPART_ADMIN_EMAIL", "admin@rempart.test").lower()
    return operator, first_admin_ensure(email=email, operator=operator)
