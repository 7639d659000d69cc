"""Scopes, authorisations, exclusions, windows and schedules of an establishment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record, snapshot
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.engine.targets import problems, public_targets
from rempart.scanning.models import Exclusion, ScanSchedule, Scope, ScopeAuthorisation
from rempart.scanning.problems import describe
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


def targets_checked(targets: list[str]) -> list[str]:
    """The requested targets, each once, readable and together within the size cap;
    ApplicationError naming every bad one otherwise."""
    unique = list(dict.fromkeys(t.strip() for t in targets if t.strip()))
    if not unique:
        raise ApplicationError(_("Give at least one address, network, range or host name."))
    found = problems(unique)
    if found:
        raise ApplicationError(" ".join(describe(p) for p in found[:10]), code="invalid_target")
    return unique


@transaction.atomic
def scope_save(
    *, actor: Any, scope: Scope, confirm_public: bool = False, ip_address: str | None = None
) -> Scope:
    """Create or update a scope. Public (globally routable) addresses are accepted only when
    `confirm_public` says they belong to the establishment; the confirmation is audited."""
    public = public_targets(scope.target_lines())
    if public and not confirm_public:
        raise ValidationError({"confirm_public": _public_message(public)})
    saved: Scope = scoped_save(actor=actor, instance=scope, ip_address=ip_address)
    if public:
        audit_record(
            actor=actor,
            verb="scanning.scope.public_confirmed",
            target=saved,
            changes={"public_targets": public},
            ip_address=ip_address,
        )
    return saved


def _public_message(public: list[str]) -> str:
    return _(
        "These targets are public addresses: %(targets)s. Scanning them is only lawful if they "
        "belong to the establishment: tick the confirmation to save them."
    ) % {"targets": ", ".join(public[:10]) + (" …" if len(public) > 10 else "")}  # noqa: PLR2004


@transaction.atomic
def cli_scan_create(
    *,
    establishment: Any,
    targets: list[str],
    policy: str,
    authorize: bool,
    confirm_public: bool = False,
) -> Any:
    """`rempart scan`: the scope the targets run under, then the scan, in one transaction
    (a refused scan leaves no scope, authorisation or audit entry behind).

    With `authorize`, the targets are added to the establishment's command-line scope and an
    authorisation valid today is recorded (audited); public targets need `confirm_public`.
    Without it, an existing authorised scope must contain every target; otherwise
    OutOfScopeError lists the offending addresses.
    """
    from rempart.scanning.services.scans import scan_create  # noqa: PLC0415  (avoid a cycle)

    targets = targets_checked(targets)
    if authorize:
        scope = _authorise_cli_targets(establishment, targets, confirm_public=confirm_public)
    else:
        scope = _authorised_scope_for(establishment, targets)
    return scan_create(scope=scope, actor=None, policy=policy, targets=targets, actor_label="cli")


def _authorised_scope_for(establishment: Any, targets: list[str]) -> Scope:
    """The first active, authorised scope holding every target (scopes whose own targets no
    longer read, e.g. a name that stopped resolving, hold nothing)."""
    from rempart.scanning.services.scans import (  # noqa: PLC0415  (avoid a cycle)
        OutOfScopeError,
        outside_scope,
        valid_authorisation,
    )

    offending: list[str] | None = None
    for scope in Scope.objects.filter(establishment=establishment, is_active=True):
        if valid_authorisation(scope) is None:
            continue
        try:
            missing = outside_scope(scope, targets)
        except ApplicationError:
            continue
        if not missing:
            found: Scope = scope
            return found
        offending = missing if offending is None or len(missing) < len(offending) else offending
    if offending is None:
        offending = outside_scope(Scope(targets="0.0.0.0/32"), targets)
    raise OutOfScopeError(offending)


def _authorise_cli_targets(
    establishment: Any, targets: list[str], *, confirm_public: bool
) -> Scope:
    public = public_targets(targets)
    if public and not confirm_public:
        raise ApplicationError(_public_message(public), code="public_targets")
    scope = Scope.objects.filter(establishment=establishment, name=CLI_SCOPE).first()
    scope = scope or Scope(establishment=establishment, name=CLI_SCOPE, targets="")
    known = set(scope.target_lines())
    added = [t for t in targets if t not in known]
    scope.targets = "\n".join([*scope.target_lines(), *added])
    scope.is_active = True
    try:
        scope.full_clean()
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), code="invalid_scope") from exc
    scope.save()
    today = timezone.localdate()
    notes = ", ".join(targets)
    if public:
        notes = (
            _("Public addresses confirmed: %(targets)s. ") % {"targets": ", ".join(public)} + notes
        )
    ScopeAuthorisation.objects.create(
        establishment=establishment,
        scope=scope,
        authorised_by="rempart scan --authorize",
        authorised_on=today,
        valid_until=today,
        notes=notes[:2000],
    )
    audit_record(
        actor=None,
        actor_label="cli",
        verb="scanning.scope.authorised",
        target=scope,
        changes={"targets": targets, "added": added, "public_targets": public},
    )
    return scope
