"""Requesting scans: scope, authorisation, exclusions and windows are checked first."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.engine.targets import TargetError, expand_all, merged
from rempart.jobs.runner import job_enqueue
from rempart.scanning.choices import Policy, ScanStatus
from rempart.scanning.models import Exclusion, Scan, ScanWindow, Scope
from rempart.scanning.problems import describe
from rempart.tenancy import access

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


class OutOfScopeError(ApplicationError):
    """Some requested targets are not in the scope; `offending` lists them."""

    def __init__(self, offending: list[str]) -> None:
        shown = ", ".join(offending[:20]) + (" …" if len(offending) > 20 else "")  # noqa: PLR2004
        super().__init__(
            _("These targets are outside the authorised scope: %(targets)s") % {"targets": shown},
            code="out_of_scope",
            extra={"offending": offending},
        )
        self.offending = offending


def exclusions_of(establishment: Any) -> list[str]:
    return list(
        Exclusion.objects.filter(establishment=establishment).values_list("target", flat=True)
    )


def valid_authorisation(scope: Scope, day: dt.date | None = None) -> Any:
    day = day or timezone.localdate()
    return scope.authorisations.filter(authorised_on__lte=day, valid_until__gte=day).first()


def outside_scope(scope: Scope, targets: list[str]) -> list[str]:
    """Targets (or their addresses) that the scope does not contain."""
    try:
        allowed = expand_all(scope.target_lines())
    except TargetError as exc:
        raise ApplicationError(
            _("The scope's targets are invalid: %(error)s") % {"error": describe(exc)},
            code="invalid_scope",
        ) from exc
    try:
        requested = merged(targets)
    except TargetError as exc:
        raise ApplicationError(describe(exc), code="invalid_target") from exc
    return [
        str(address)
        for block in requested
        for address in block.addresses()
        if address not in allowed
    ]


def in_window(scope: Scope, moment: dt.datetime | None = None) -> bool:
    """True when the scope has no window, or `moment` (Europe/Paris) falls in one."""
    windows = list(ScanWindow.objects.filter(scope=scope))
    if not windows:
        return True
    local = (moment or timezone.now()).astimezone(PARIS)
    yesterday = (local.weekday() - 1) % 7
    for window in windows:
        overnight = window.end <= window.start
        if window.weekday == local.weekday() and (
            window.start <= local.time() < window.end
            or (overnight and local.time() >= window.start)
        ):
            return True
        if overnight and window.weekday == yesterday and local.time() < window.end:
            return True
    return False


def _checks(
    *, scope: Scope, targets: list[str], policy: str, actor: Any, ignore_window: bool
) -> None:
    if not scope.is_active:
        raise ApplicationError(_("This scope is not active."))
    if valid_authorisation(scope) is None:
        raise ApplicationError(
            _(
                "No valid scan authorisation for this scope today: record the signed "
                "authorisation first."
            ),
            code="no_authorisation",
        )
    if policy == Policy.DEEP and not scope.deep_allowed:
        raise ApplicationError(
            _("The deep policy is not allowed on this scope."), code="deep_not_allowed"
        )
    offending = outside_scope(scope, targets)
    if offending:
        raise OutOfScopeError(offending)
    if not in_window(scope) and not (ignore_window and access.is_operator_admin(actor)):
        raise ApplicationError(
            _("Scans of this scope are only allowed in its scan windows."), code="outside_window"
        )


@transaction.atomic
def scan_create(
    *,
    scope: Scope,
    actor: Any,
    policy: str = Policy.STANDARD,
    targets: list[str] | None = None,
    ignore_window: bool = False,
    schedule: Any = None,
    ip_address: str | None = None,
    actor_label: str | None = None,
) -> Scan:
    """Check and record a scan of `scope` (or of some of its targets); nothing runs yet."""
    if actor is not None and not access.can(actor, Action.CHANGE, scope.establishment):
        raise PermissionDeniedError(_("You cannot launch scans for this establishment."))
    targets = list(dict.fromkeys(targets or scope.target_lines()))
    _checks(scope=scope, targets=targets, policy=policy, actor=actor, ignore_window=ignore_window)
    scan = Scan.objects.create(
        establishment=scope.establishment,
        scope=scope,
        policy=policy,
        targets="\n".join(targets),
        exclusions="\n".join(exclusions_of(scope.establishment)),
        tcp_ports=scope.tcp_ports,
        udp_ports=scope.udp_ports,
        schedule=schedule,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        verb="scanning.scan.requested",
        target=scan,
        ip_address=ip_address,
        actor_label=actor_label,
        changes={
            "scope": scope.name,
            "policy": policy,
            "targets": targets,
            "ignore_window": ignore_window,
        },
    )
    return scan


@transaction.atomic
def scan_request(
    *,
    scope: Scope,
    actor: Any,
    policy: str = Policy.STANDARD,
    targets: list[str] | None = None,
    ignore_window: bool = False,
    schedule: Any = None,
    ip_address: str | None = None,
) -> Scan:
    """Queue a scan of `scope` (or of some of its targets) as a job with live progress."""
    scan = scan_create(
        scope=scope,
        actor=actor,
        policy=policy,
        targets=targets,
        ignore_window=ignore_window,
        schedule=schedule,
        ip_address=ip_address,
    )
    scope = scan.scope  # type: ignore[assignment]
    scan.job = job_enqueue(
        kind="scanning.scan",
        title=_("Scan of %(scope)s") % {"scope": scope.name},
        actor=scan.requested_by,
        establishment=scope.establishment,
        params={"scan_id": scan.pk},
    )
    scan.save(update_fields=["job", "updated_at"])
    return scan


def scan_mark_running(scan: Scan) -> None:
    scan.status, scan.started_at = ScanStatus.RUNNING, timezone.now()
    scan.save(update_fields=["status", "started_at", "updated_at"])


def scan_fail(scan: Scan, error: str) -> None:
    scan.status, scan.error, scan.finished_at = ScanStatus.FAILED, error[:2000], timezone.now()
    scan.save(update_fields=["status", "error", "finished_at", "updated_at"])
