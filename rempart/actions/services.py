"""Writes of the action plan: create, edit, change status; each audited.

Modules create items from their own records in one call:

    action_create(establishment=incident.establishment, actor=user, title="…",
                  source=incident, owner=referent, due_date=…)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.actions.choices import CLOSED_STATUSES, ActionPriority, ActionStatus
from rempart.actions.models import ActionItem
from rempart.actions.selectors import assignable_users
from rempart.audit.services import audit_record, diff, snapshot
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.core.subjects import check_same_establishment, subject_ref
from rempart.tenancy import access

EDITABLE = ["title", "description", "owner", "due_date", "priority"]


def _require(actor: Any, establishment: Any) -> None:
    if not access.can(actor, Action.CHANGE, establishment):
        raise PermissionDeniedError(_("You may not change this establishment's action plan."))


def _check_owner(owner: Any, establishment: Any) -> None:
    if owner is not None and not assignable_users(establishment).filter(pk=owner.pk).exists():
        raise ApplicationError(
            _("%(person)s is not a member of this establishment.") % {"person": owner}
        )


@transaction.atomic
def action_create(
    *,
    establishment: Any,
    actor: Any,
    title: str,
    description: str = "",
    owner: Any = None,
    due_date: dt.date | None = None,
    priority: str = ActionPriority.NORMAL,
    source: Any = None,
    ip_address: str | None = None,
) -> ActionItem:
    """A new item "to do"; `source` is the record that produced it (a registered kind)."""
    _require(actor, establishment)
    _check_owner(owner, establishment)
    item = ActionItem(
        establishment=establishment,
        title=title.strip(),
        description=description,
        owner=owner,
        due_date=due_date,
        priority=priority,
        created_by=actor,
    )
    if source is not None:
        check_same_establishment(source, establishment)
        item.source_kind, item.source_id = subject_ref(source)
    item.full_clean()
    item.save()
    audit_record(
        actor=actor,
        verb="actions.item.created",
        target=item,
        ip_address=ip_address,
        changes=snapshot(item, [*EDITABLE, "source_kind", "source_id"]),
    )
    return item


@transaction.atomic
def action_update(
    *, item: ActionItem, actor: Any, ip_address: str | None = None, **fields: Any
) -> ActionItem:
    """Change the editable fields (title, description, owner, due date, priority)."""
    _require(actor, item.establishment)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    before = snapshot(ActionItem.objects.get(pk=item.pk), EDITABLE)
    for name, value in fields.items():
        setattr(item, name, value)
    _check_owner(item.owner, item.establishment)
    item.full_clean()
    item.save(update_fields=[*fields, "updated_at"])
    changes = diff(before, snapshot(item, EDITABLE))
    if changes:
        audit_record(
            actor=actor,
            verb="actions.item.updated",
            target=item,
            changes=changes,
            ip_address=ip_address,
        )
    return item


@transaction.atomic
def action_set_status(
    *,
    item: ActionItem,
    actor: Any,
    status: str,
    reason: str = "",
    ip_address: str | None = None,
) -> ActionItem:
    """Move an item to `status`; abandoning needs a reason; closing stamps `closed_at`."""
    _require(actor, item.establishment)
    if status not in ActionStatus.values:
        raise ApplicationError(_("Unknown status."))
    if status == ActionStatus.ABANDONED and not reason.strip():
        raise ApplicationError(_("Say why the action is abandoned."))
    old = item.status
    if old == status:
        return item
    item.status = status
    item.abandon_reason = reason.strip() if status == ActionStatus.ABANDONED else ""
    item.closed_at = timezone.now() if status in CLOSED_STATUSES else None
    item.save(update_fields=["status", "abandon_reason", "closed_at", "updated_at"])
    changes: dict[str, Any] = {"status": [old, status]}
    if item.abandon_reason:
        changes["reason"] = item.abandon_reason
    audit_record(
        actor=actor,
        verb="actions.item.status_changed",
        target=item,
        changes=changes,
        ip_address=ip_address,
    )
    return item


def actions_export_audit(*, actor: Any, establishment: Any, count: int) -> None:
    """The CSV export is a sensitive read: one audit entry per export."""
    audit_record(
        actor=actor,
        verb="actions.items.exported",
        establishment=establishment,
        changes={"rows": count},
    )
