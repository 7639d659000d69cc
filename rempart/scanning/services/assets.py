"""Corrections people make to the inventory."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rempart.audit.services import snapshot
from rempart.core.actions import Action
from rempart.core.errors import PermissionDeniedError
from rempart.scanning.models import Asset
from rempart.tenancy import access
from rempart.tenancy.services import save_audited


@transaction.atomic
def asset_update(
    *,
    asset: Asset,
    actor: Any,
    name: str,
    asset_class: str,
    criticality: str,
    tags: list[str],
    ip_address: str | None = None,
) -> Asset:
    """Set the name, class (kept over later guesses), criticality and tags of an asset."""
    if not access.can(actor, Action.CHANGE, asset.establishment):
        raise PermissionDeniedError(_("You cannot change this asset."))
    stored = Asset.objects.get(pk=asset.pk)
    before = snapshot(stored)
    if asset_class != stored.asset_class:
        asset.class_set_manually = True
    asset.name, asset.asset_class, asset.criticality, asset.tags = (
        name,
        asset_class,
        criticality,
        tags,
    )
    return save_audited(
        instance=asset,
        actor=actor,
        before=before,
        verb="scanning.asset.updated",
        ip_address=ip_address,
    )
