"""Reads of the declared inventory, through the tenant choke point."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from rempart.core.actions import Action
from rempart.tenancy.models import Establishment
from rempart.threatwatch.inventory.matching import declared_matches, is_end_of_life
from rempart.threatwatch.inventory.models import CatalogueProduct, DeclaredProduct
from rempart.threatwatch.matching import Match


@dataclass
class InventoryRow:
    product: DeclaredProduct
    matches: list[Match]
    end_of_life: bool

    @property
    def known_exploited(self) -> int:
        return sum(1 for m in self.matches if m.known_exploited)


def declared_list(*, user: Any, establishment: Establishment) -> QuerySet[DeclaredProduct]:
    return (
        DeclaredProduct.objects.visible_to(user)
        .filter(establishment=establishment)
        .select_related("catalogue", "establishment")
    )


def inventory_rows(*, user: Any, establishment: Establishment) -> list[InventoryRow]:
    """Every declared product with the CVEs that apply to it and its end-of-life state."""
    products = list(declared_list(user=user, establishment=establishment))
    matches = declared_matches(products)
    return [InventoryRow(p, matches[p.pk], is_end_of_life(p)) for p in products]


def declared_get(
    *, user: Any, establishment: Establishment, public_id: UUID, action: Action = Action.VIEW
) -> DeclaredProduct:
    try:
        product: DeclaredProduct = (
            DeclaredProduct.objects.visible_to(user, action=action)
            .select_related("catalogue", "establishment")
            .get(establishment=establishment, public_id=public_id)
        )
    except DeclaredProduct.DoesNotExist:
        raise Http404 from None
    return product


def catalogue_list() -> QuerySet[CatalogueProduct]:
    return CatalogueProduct.objects.all()


def catalogue_get(*, public_id: Any) -> CatalogueProduct:
    try:
        return CatalogueProduct.objects.get(public_id=public_id)
    except (CatalogueProduct.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
