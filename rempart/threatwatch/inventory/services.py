"""Writes of the declared inventory and the regional catalogue, each audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from rempart.audit.services import audit_record
from rempart.tenancy.models import Establishment
from rempart.threatwatch.inventory.choices import ProductCategory
from rempart.threatwatch.inventory.models import CatalogueProduct, DeclaredProduct
from rempart.threatwatch.inventory.suggest import normalise

PRODUCT_FIELDS = (
    "category",
    "name",
    "supplier",
    "cpe_vendor",
    "cpe_product",
    "version",
    "remote_access",
    "end_of_life",
    "support_ends_on",
    "notes",
)
CATALOGUE_FIELDS = (
    "category",
    "name",
    "supplier",
    "cpe_vendor",
    "cpe_product",
    "remote_access",
    "oldest_supported",
    "notes",
)


def _normalised(instance: DeclaredProduct | CatalogueProduct) -> None:
    """CPE names as the catalog spells them; a remote-access category implies the flag."""
    instance.cpe_vendor = normalise(instance.cpe_vendor)
    instance.cpe_product = normalise(instance.cpe_product)
    if instance.category == ProductCategory.REMOTE_ACCESS:
        instance.remote_access = True


def _from_catalogue(product: DeclaredProduct) -> None:
    """Blanks filled from the picked regional catalogue product."""
    entry = product.catalogue
    if entry is None:
        return
    for name in ("supplier", "cpe_vendor", "cpe_product"):
        if not getattr(product, name):
            setattr(product, name, getattr(entry, name))
    product.remote_access = product.remote_access or entry.remote_access


def _changes(instance: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(instance, name)) for name in fields}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


@transaction.atomic
def declared_product_save(
    *, instance: DeclaredProduct, actor: Any, ip_address: str | None = None
) -> DeclaredProduct:
    created = instance.pk is None
    _from_catalogue(instance)
    _normalised(instance)
    instance.full_clean()
    instance.save()
    audit_record(
        actor=actor,
        verb=f"threatwatch.declared_product.{'created' if created else 'updated'}",
        target=instance,
        changes=_changes(instance, PRODUCT_FIELDS),
        ip_address=ip_address,
    )
    return instance


@transaction.atomic
def declared_product_delete(
    *, instance: DeclaredProduct, actor: Any, ip_address: str | None = None
) -> None:
    audit_record(
        actor=actor,
        verb="threatwatch.declared_product.deleted",
        target=instance,
        changes={"name": instance.name, "version": instance.version},
        ip_address=ip_address,
    )
    instance.delete()


@transaction.atomic
def inventory_import(
    *,
    establishment: Establishment,
    lines: list[dict[str, Any]],
    actor: Any,
    ip_address: str | None = None,
) -> tuple[int, int]:
    """Create or update (same name and version) the checked lines; (created, updated)."""
    known = {
        (p.name.lower(), p.version.lower()): p
        for p in DeclaredProduct.objects.select_for_update(of=("self",)).filter(
            establishment=establishment
        )
    }
    created = updated = 0
    for values in lines:
        fields = {name: values[name] for name in PRODUCT_FIELDS}
        fields["support_ends_on"] = (
            dt.date.fromisoformat(values["support_ends_on"]) if values["support_ends_on"] else None
        )
        product = known.get((values["name"].lower(), values["version"].lower()))
        if product is None:
            product = DeclaredProduct(establishment=establishment)
            created += 1
        else:
            updated += 1
        for name, value in fields.items():
            setattr(product, name, value)
        _normalised(product)
        product.full_clean()
        product.save()
    audit_record(
        actor=actor,
        verb="threatwatch.inventory.imported",
        target=establishment,
        establishment=establishment,
        changes={"created": created, "updated": updated},
        ip_address=ip_address,
    )
    return created, updated


@transaction.atomic
def catalogue_product_save(
    *, instance: CatalogueProduct, actor: Any, ip_address: str | None = None
) -> CatalogueProduct:
    created = instance.pk is None
    _normalised(instance)
    instance.full_clean()
    instance.save()
    audit_record(
        actor=actor,
        verb=f"threatwatch.catalogue_product.{'created' if created else 'updated'}",
        target=instance,
        changes=_changes(instance, CATALOGUE_FIELDS),
        ip_address=ip_address,
    )
    return instance


@transaction.atomic
def catalogue_product_delete(
    *, instance: CatalogueProduct, actor: Any, ip_address: str | None = None
) -> None:
    audit_record(
        actor=actor,
        verb="threatwatch.catalogue_product.deleted",
        target=instance,
        changes={"name": instance.name},
        ip_address=ip_address,
    )
    instance.delete()
