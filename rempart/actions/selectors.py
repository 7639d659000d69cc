"""Reads of the action plan, always scoped through `visible_to`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from rempart.actions.choices import CLOSED_STATUSES
from rempart.actions.models import ActionItem
from rempart.core.actions import Action
from rempart.core.subjects import SUBJECTS, subject_ref, subjects_get
from rempart.tenancy.access import establishments_for, operator_assignment


@dataclass(frozen=True)
class ActionFilters:
    """What the lists filter on (every field optional)."""

    status: str = ""
    owner: int | None = None
    overdue: bool = False
    source_kind: str = ""
    establishment: Any = None


def today() -> dt.date:
    return timezone.localdate()


def action_list(
    *, user: Any, filters: ActionFilters | None = None, action: Action = Action.VIEW
) -> QuerySet[ActionItem]:
    """Items the user may see (all their establishments unless `filters.establishment`)."""
    filters = filters or ActionFilters()
    items: QuerySet[ActionItem] = ActionItem.objects.visible_to(user, action=action)
    if filters.establishment is not None:
        items = items.filter(establishment=filters.establishment)
    if filters.status:
        items = items.filter(status=filters.status)
    if filters.owner:
        items = items.filter(owner_id=filters.owner)
    if filters.overdue:
        items = items.filter(due_date__lt=today()).exclude(status__in=CLOSED_STATUSES)
    if filters.source_kind:  # "-": items written by hand
        items = items.filter(source_kind="" if filters.source_kind == "-" else filters.source_kind)
    return items.select_related("owner", "establishment").order_by("status", "due_date", "pk")


def action_get(
    *, user: Any, public_id: UUID, establishment: Any, action: Action = Action.VIEW
) -> ActionItem:
    """One item of `establishment` that `user` may `action`; 404 for absent or not yours."""
    try:
        item: ActionItem = ActionItem.objects.visible_to(user, action=action).get(
            establishment=establishment, public_id=public_id
        )
    except ActionItem.DoesNotExist as exc:
        raise Http404 from exc
    return item


def actions_of_source(*, user: Any, source: Any) -> QuerySet[ActionItem]:
    """Items produced by one record (for the partial that modules include in place)."""
    kind, public_id = subject_ref(source)
    return action_list(user=user, filters=ActionFilters(establishment=source.establishment)).filter(
        source_kind=kind, source_id=public_id
    )


def with_sources(items: list[ActionItem]) -> list[ActionItem]:
    """The items, each with `source_record`, `source_kind_label` and `source_link` set (one
    query per kind of source, for list pages)."""
    found = sources_of(items)
    for item in items:
        kind = SUBJECTS.get(item.source_kind)
        record = found.get((item.source_kind, item.source_id))  # type: ignore[arg-type]
        item.source_record = record  # type: ignore[attr-defined]
        item.source_kind_label = kind.label if kind else ""  # type: ignore[attr-defined]
        item.source_link = kind.link(record) if kind and record else ""  # type: ignore[attr-defined]
    return items


def sources_of(items: list[ActionItem]) -> dict[tuple[str, UUID], Any]:
    """The source record of each item, in one query per kind (for list pages)."""
    by_kind: dict[str, list[UUID]] = {}
    for item in items:
        if item.source_kind in SUBJECTS and item.source_id:
            by_kind.setdefault(item.source_kind, []).append(item.source_id)
    found: dict[tuple[str, UUID], Any] = {}
    for kind, ids in by_kind.items():
        establishments = {item.establishment_id for item in items}
        for public_id, obj in subjects_get(kind, ids, establishments).items():
            found[(kind, public_id)] = obj
    return found


def assignable_users(establishment: Any) -> QuerySet[Any]:
    """People who may own an item of `establishment`: its members, and the regional team
    whose perimeter holds it."""
    perimeter = Q(operator_assignment__operator_id=establishment.operator_id) & (
        Q(operator_assignment__all_establishments=True)
        | Q(operator_assignment__groups=establishment.group_id)
    )
    users: QuerySet[Any] = get_user_model().objects.filter(
        Q(memberships__establishment=establishment) | perimeter, is_active=True
    )
    return users.distinct().order_by("full_name", "email")


def assignable_users_of_perimeter(user: Any) -> QuerySet[Any]:
    """Owners that the regional list may filter on: members of the establishments `user`
    sees, and the regional team."""
    visible = establishments_for(user, action=Action.VIEW)
    assignment = operator_assignment(user)
    staff = Q(operator_assignment__operator_id=assignment.operator_id) if assignment else Q(pk=None)
    users: QuerySet[Any] = get_user_model().objects.filter(
        Q(memberships__establishment__in=visible) | staff, is_active=True
    )
    return users.distinct().order_by("full_name", "email")
