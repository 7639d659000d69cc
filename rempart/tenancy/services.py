"""Writes of the tenancy app. Each checks access, validates, saves and audits in one transaction."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record, diff, snapshot
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.tenancy import access
from rempart.tenancy.models import (
    Contact,
    Establishment,
    EstablishmentGroup,
    Membership,
    Operator,
    Site,
)

M = TypeVar("M", bound=models.Model)

ESTABLISHMENT_FIELDS = [
    "name",
    "slug",
    "finess_et",
    "finess_ej",
    "legal_entity_name",
    "siret",
    "category",
    "street",
    "postal_code",
    "city",
    "group",
    "is_operator_own",
    "require_mfa",
    "is_active",
]


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDeniedError(message)


def save_audited(
    *,
    instance: M,
    actor: Any,
    verb: str,
    before: dict[str, Any] | None,
    ip_address: str | None = None,
) -> M:
    """Validate, save and audit a model instance; `before` is None for a creation."""
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ApplicationError(_("This record conflicts with an existing one.")) from exc
    after = snapshot(instance)
    changes = after if before is None else diff(before, after)
    if before is None or changes:
        audit_record(
            actor=actor, verb=verb, target=instance, changes=changes, ip_address=ip_address
        )
    return instance


def delete_audited(
    *, instance: models.Model, actor: Any, verb: str, ip_address: str | None = None
) -> None:
    audit_record(
        actor=actor, verb=verb, target=instance, changes=snapshot(instance), ip_address=ip_address
    )
    instance.delete()


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "etablissement"
    slug, counter = base, 2
    while Establishment.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


@transaction.atomic
def establishment_create(
    *, actor: Any, operator: Operator, data: dict[str, Any], ip_address: str | None = None
) -> Establishment:
    """Register a member establishment; operator administrators only."""
    _require(
        access.is_operator_admin(actor), _("Only operator administrators can add establishments.")
    )
    fields = {k: v for k, v in data.items() if k in ESTABLISHMENT_FIELDS}
    fields["slug"] = fields.get("slug") or _unique_slug(fields.get("name", ""))
    establishment = Establishment(operator=operator, **fields)
    establishment.clean()
    return save_audited(
        instance=establishment,
        actor=actor,
        before=None,
        verb="tenancy.establishment.created",
        ip_address=ip_address,
    )


@transaction.atomic
def establishment_update(
    *,
    actor: Any,
    establishment: Establishment,
    data: dict[str, Any],
    ip_address: str | None = None,
) -> Establishment:
    """Change an establishment; CHANGE for its details, operator admin for group and status."""
    _require(
        access.can(actor, Action.CHANGE, establishment), _("You cannot change this establishment.")
    )
    admin_only = {"group", "is_active", "is_operator_own", "slug"}
    if admin_only & set(data) and not access.is_operator_admin(actor):
        current = snapshot(establishment, fields=sorted(admin_only))
        requested = {k: getattr(v, "pk", v) for k, v in data.items() if k in admin_only}
        if any(current.get(k) != v for k, v in requested.items()):
            raise PermissionDeniedError(
                _("Only operator administrators can change the group, status or URL name.")
            )
    before = snapshot(establishment)
    for name, value in data.items():
        if name in ESTABLISHMENT_FIELDS:
            setattr(establishment, name, value)
    establishment.clean()
    return save_audited(
        instance=establishment,
        actor=actor,
        before=before,
        verb="tenancy.establishment.updated",
        ip_address=ip_address,
    )


@transaction.atomic
def group_save(
    *, actor: Any, group: EstablishmentGroup, ip_address: str | None = None
) -> EstablishmentGroup:
    """Create or update a group (GHT); operator administrators only."""
    _require(access.is_operator_admin(actor), _("Only operator administrators can manage groups."))
    before = None
    if group.pk:
        before = snapshot(EstablishmentGroup.objects.get(pk=group.pk))
    verb = "tenancy.group.updated" if before else "tenancy.group.created"
    return save_audited(
        instance=group, actor=actor, before=before, verb=verb, ip_address=ip_address
    )


@transaction.atomic
def owned_save(*, actor: Any, instance: Site | Contact, ip_address: str | None = None) -> Any:
    """Create or update a site or contact of an establishment (CHANGE on it)."""
    _require(
        access.can(actor, Action.CHANGE, instance.establishment),
        _("You cannot change this establishment."),
    )
    before = snapshot(type(instance).objects.get(pk=instance.pk)) if instance.pk else None
    label = instance._meta.model_name
    verb = f"tenancy.{label}.{'updated' if before else 'created'}"
    return save_audited(
        instance=instance, actor=actor, before=before, verb=verb, ip_address=ip_address
    )


@transaction.atomic
def owned_delete(*, actor: Any, instance: Site | Contact, ip_address: str | None = None) -> None:
    """Delete a site or contact of an establishment (DELETE on it: the referent)."""
    _require(
        access.can(actor, Action.DELETE, instance.establishment),
        _("You cannot delete this establishment's records."),
    )
    delete_audited(
        instance=instance,
        actor=actor,
        ip_address=ip_address,
        verb=f"tenancy.{instance._meta.model_name}.deleted",
    )


@transaction.atomic
def membership_set(
    *,
    user: Any,
    establishment: Establishment,
    role: str,
    actor: Any,
    ip_address: str | None = None,
    system: bool = False,
) -> Membership:
    """Give `user` a role in `establishment` (MANAGE needed unless `system`, e.g. an invitation)."""
    if not system:
        _require(
            access.can(actor, Action.MANAGE, establishment),
            _("You cannot manage this establishment's members."),
        )
    membership = Membership.objects.filter(user=user, establishment=establishment).first()
    before = snapshot(membership) if membership else None
    membership = membership or Membership(user=user, establishment=establishment)
    membership.role = role
    verb = "tenancy.membership.updated" if before else "tenancy.membership.created"
    return save_audited(
        instance=membership, actor=actor, before=before, verb=verb, ip_address=ip_address
    )


@transaction.atomic
def membership_remove(*, membership: Membership, actor: Any, ip_address: str | None = None) -> None:
    _require(
        access.can(actor, Action.MANAGE, membership.establishment),
        _("You cannot manage this establishment's members."),
    )
    delete_audited(
        instance=membership, actor=actor, verb="tenancy.membership.deleted", ip_address=ip_address
    )
