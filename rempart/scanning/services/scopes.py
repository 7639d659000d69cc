"""Scopes, authorisations, exclusions, windows and schedules of an establishment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record, snapshot
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.scanning.models import Exclusion, ScanSchedule, Scope, ScopeAuthorisation
from rempart.scanning.services.scans import PARIS
from rempart.tenancy import access
from rempart.tenancy.services import delete_audited, save_audited


def _require(actor: Any, establishment: Any, action: Action = Action.MANAGE) -> None:
    if not access.can(actor, action, establishment):
        raise PermissionDeniedError(_("You cannot manage the scan scopes of this establishment."))


@transaction.atomic
def scoped_save(*, actor: Any, instance: models.Model, ip_address: str | None = None) -> Any:
    """Create or update a scope, exclusion, window or schedule (MANAGE on the establishment)."""
    _require(actor, instance.establishment)  # type: ignore[attr-defined]
    model = type(instance)
    before = snapshot(model._default_manager.get(pk=instance.pk)) if instance.pk else None
    if isinstance(instance, ScanSchedule):
        instance.next_run_at = next_run(instance)
    verb = f"scanning.{model._meta.model_name}.{'updated' if before else 'created'}"
    return save_audited(
        instance=instance, actor=actor, before=before, verb=verb, ip_address=ip_address
    )


@transaction.atomic
def scoped_delete(*, actor: Any, instance: models.Model, ip_address: str | None = None) -> None:
    _require(actor, instance.establishment)  # type: ignore[attr-defined]
    if isinstance(instance, Scope) and instance.scans.exists():
        instance.is_active = False
        instance.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=actor, verb="scanning.scope.deactivated", target=instance, ip_address=ip_address
        )
        return
    delete_audited(
        instance=instance,
        actor=actor,
        ip_address=ip_address,
        verb=f"scanning.{type(instance)._meta.model_name}.deleted",
    )


@transaction.atomic
def authorisation_record(
    *,
    actor: Any,
    scope: Scope,
    authorised_by: str,
    authorised_on: dt.date,
    valid_until: dt.date,
    document: Any = None,
    notes: str = "",
    ip_address: str | None = None,
) -> ScopeAuthorisation:
    """Record who authorised scanning the scope, from when to when (MANAGE)."""
    _require(actor, scope.establishment)
    if valid_until < authorised_on:
        raise ApplicationError(_("The authorisation must end after it starts."))
    authorisation = ScopeAuthorisation(
        establishment=scope.establishment,
        scope=scope,
        authorised_by=authorised_by,
        authorised_on=authorised_on,
        valid_until=valid_until,
        notes=notes,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if document:
        authorisation.document = document
    return save_audited(
        instance=authorisation,
        actor=actor,
        before=None,
        verb="scanning.authorisation.recorded",
        ip_address=ip_address,
    )


def exclusion_add(
    *, actor: Any, establishment: Any, target: str, reason: str, ip_address: str | None = None
) -> Exclusion:
    exclusion = Exclusion(
        establishment=establishment,
        target=target.strip(),
        reason=reason,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    result: Exclusion = scoped_save(actor=actor, instance=exclusion, ip_address=ip_address)
    return result


def next_run(schedule: ScanSchedule, after: dt.datetime | None = None) -> dt.datetime | None:
    """The next time (UTC) a schedule fires, computed in Europe/Paris (DST-correct)."""
    if not schedule.enabled:
        return None
    local = (after or timezone.now()).astimezone(PARIS)
    for days in range(0, 62):
        day = (local + dt.timedelta(days=days)).date()
        if schedule.frequency == "weekly" and day.weekday() != schedule.weekday:
            continue
        if schedule.frequency == "monthly" and day.day != min(schedule.day_of_month, 28):
            continue
        moment = dt.datetime.combine(day, schedule.time, tzinfo=PARIS)
        if moment > local:
            return moment.astimezone(dt.UTC)
    return None


CLI_SCOPE = "Ligne de commande (rempart scan)"


@transaction.atomic
def cli_scope_for(*, establishment: Any, targets: list[str], authorize: bool) -> Scope:
    """The scope a command-line scan runs under.

    With `authorize`, the targets are added to the establishment's command-line scope and an
    authorisation valid today is recorded (audited). Without it, an existing authorised scope
    must contain every target; otherwise OutOfScopeError lists the offending addresses.
    """
    from rempart.scanning.services.scans import (  # noqa: PLC0415  (avoid a cycle)
        OutOfScopeError,
        outside_scope,
        valid_authorisation,
    )

    if authorize:
        return _authorise_cli_targets(establishment, targets)
    offending: list[str] | None = None
    for scope in Scope.objects.filter(establishment=establishment, is_active=True):
        if valid_authorisation(scope) is None:
            continue
        missing = outside_scope(scope, targets)
        if not missing:
            found: Scope = scope
            return found
        offending = missing if offending is None or len(missing) < len(offending) else offending
    if offending is None:
        offending = outside_scope(Scope(targets="0.0.0.0/32"), targets)
    raise OutOfScopeError(offending)


def _authorise_cli_targets(establishment: Any, targets: list[str]) -> Scope:
    scope, _created = Scope.objects.get_or_create(
        establishment=establishment,
        name=CLI_SCOPE,
        defaults={"targets": "\n".join(targets)},
    )
    known = set(scope.target_lines())
    added = [t for t in targets if t not in known]
    if added:
        scope.targets = "\n".join([*scope.target_lines(), *added])
    scope.is_active = True
    scope.full_clean()
    scope.save()
    today = timezone.localdate()
    ScopeAuthorisation.objects.create(
        establishment=establishment,
        scope=scope,
        authorised_by="rempart scan --authorize",
        authorised_on=today,
        valid_until=today,
        notes=", ".join(targets)[:2000],
    )
    audit_record(
        actor=None,
        actor_label="cli",
        verb="scanning.scope.authorised",
        target=scope,
        changes={"targets": targets, "added": added},
    )
    return scope
