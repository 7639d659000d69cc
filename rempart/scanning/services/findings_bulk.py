"""Decisions taken on many findings at once from the findings list (as DefectDojo's bulk
edit): assign, accept the risk, mark as false positive.

A batch is all or nothing: every selected finding must belong to the establishment of the
page and be within the actor's reach for the action, otherwise nothing is changed. Each
finding gets the same history and audit entry as a one-by-one decision, and one more entry
records the batch itself.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rempart.audit.services import audit_record
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.scanning.models import Finding
from rempart.scanning.services import findings as one
from rempart.tenancy import access

MAX_BULK = 500


def _ids(values: Iterable[Any]) -> list[uuid.UUID]:
    ids: list[uuid.UUID] = []
    for value in values:
        try:
            parsed = uuid.UUID(str(value))
        except ValueError as exc:
            raise ApplicationError(_("The selection is not valid.")) from exc
        if parsed not in ids:
            ids.append(parsed)
    if not ids:
        raise ApplicationError(_("Select at least one vulnerability."))
    if len(ids) > MAX_BULK:
        raise ApplicationError(
            _("Select at most %(max)d vulnerabilities at once.") % {"max": MAX_BULK}
        )
    return ids


def findings_selected(
    *, actor: Any, establishment: Any, public_ids: Iterable[Any], action: Action
) -> list[Finding]:
    """The selected findings of `establishment`, locked, all of them or a refusal: a finding
    of another establishment (or out of reach) refuses the whole batch."""
    ids = _ids(public_ids)
    if not access.can(actor, action, establishment):
        raise PermissionDeniedError(_("You cannot change these vulnerabilities."))
    findings = list(
        Finding.objects.visible_to(actor, action=action)
        .filter(establishment=establishment, public_id__in=ids)
        .select_related("establishment", "assignee")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    missing = len(ids) - len(findings)
    if missing:
        raise ApplicationError(
            ngettext(
                "%(count)d selected vulnerability is not in this establishment: nothing "
                "was changed.",
                "%(count)d selected vulnerabilities are not in this establishment: nothing "
                "was changed.",
                missing,
            )
            % {"count": missing}
        )
    return findings


def _record_batch(
    *, actor: Any, establishment: Any, verb: str, findings: list[Finding], **changes: Any
) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        target=establishment,
        establishment=establishment,
        ip_address=changes.pop("ip_address", None),
        changes={
            "count": len(findings),
            "findings": [str(f.public_id) for f in findings],
            **changes,
        },
    )


@transaction.atomic
def findings_bulk_assign(
    *,
    actor: Any,
    establishment: Any,
    public_ids: Iterable[Any],
    assignee: Any,
    ip_address: str | None = None,
) -> int:
    """Assign the selected findings to a person of the establishment (or to nobody)."""
    findings = findings_selected(
        actor=actor, establishment=establishment, public_ids=public_ids, action=Action.CHANGE
    )
    for finding in findings:
        one.finding_assign(finding=finding, actor=actor, assignee=assignee, ip_address=ip_address)
    _record_batch(
        actor=actor,
        establishment=establishment,
        verb="scanning.findings.bulk_assigned",
        findings=findings,
        assignee=assignee.email if assignee else None,
        ip_address=ip_address,
    )
    return len(findings)


@transaction.atomic
def findings_bulk_accept_risk(
    *,
    actor: Any,
    establishment: Any,
    public_ids: Iterable[Any],
    reason: str,
    until: dt.date,
    ip_address: str | None = None,
) -> int:
    """Accept the risk of the selected findings until a date, with one justification
    (MANAGE, as for one finding)."""
    findings = findings_selected(
        actor=actor, establishment=establishment, public_ids=public_ids, action=Action.MANAGE
    )
    for finding in findings:
        one.finding_accept_risk(
            finding=finding, actor=actor, reason=reason, until=until, ip_address=ip_address
        )
    _record_batch(
        actor=actor,
        establishment=establishment,
        verb="scanning.findings.bulk_risk_accepted",
        findings=findings,
        reason=reason,
        until=until.isoformat(),
        ip_address=ip_address,
    )
    return len(findings)


@transaction.atomic
def findings_bulk_mark_false_positive(
    *,
    actor: Any,
    establishment: Any,
    public_ids: Iterable[Any],
    reason: str,
    ip_address: str | None = None,
) -> int:
    """Mark the selected findings as false positives, with one reason."""
    findings = findings_selected(
        actor=actor, establishment=establishment, public_ids=public_ids, action=Action.CHANGE
    )
    for finding in findings:
        one.finding_mark_false_positive(
            finding=finding, actor=actor, reason=reason, ip_address=ip_address
        )
    _record_batch(
        actor=actor,
        establishment=establishment,
        verb="scanning.findings.bulk_false_positive",
        findings=findings,
        reason=reason,
        ip_address=ip_address,
    )
    return len(findings)
