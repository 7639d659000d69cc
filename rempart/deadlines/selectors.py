"""Reads of deadlines, scoped through `visible_to`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from rempart.core.subjects import subject_ref
from rempart.deadlines.models import Deadline


def deadlines_of(*, user: Any, subject: Any) -> QuerySet[Deadline]:
    """The deadlines of one record (for its page's clocks)."""
    kind, public_id = subject_ref(subject)
    rows: QuerySet[Deadline] = Deadline.objects.visible_to(user).filter(
        establishment_id=subject.establishment_id, subject_kind=kind, subject_id=public_id
    )
    return rows.select_related("rule").order_by("due_at")


def deadlines_overdue(*, user: Any, now: dt.datetime | None = None) -> QuerySet[Deadline]:
    """Open deadlines past due in every establishment `user` sees (the operator's board)."""
    rows: QuerySet[Deadline] = Deadline.objects.visible_to(user).filter(
        met_at__isnull=True, cancelled_at__isnull=True, due_at__lte=now or timezone.now()
    )
    return rows.select_related("rule", "establishment").order_by("due_at")
