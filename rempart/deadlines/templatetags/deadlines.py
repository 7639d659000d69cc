"""`{% record_deadlines record %}`: the clocks of one record's deadlines, in place."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from rempart.deadlines import selectors

register = template.Library()


@register.inclusion_tag("deadlines/partials/_deadlines.html", takes_context=True)
def record_deadlines(context: Any, record: Any) -> dict[str, Any]:
    now = timezone.now()
    rows = list(selectors.deadlines_of(user=context["request"].user, subject=record))
    for row in rows:
        row.overdue = row.is_overdue(now)  # type: ignore[attr-defined]
        row.remaining = row.due_at - now if row.is_open else None  # type: ignore[attr-defined]
    return {"record": record, "deadlines": rows}


@register.filter
def timeuntil_duration(value: Any) -> str:
    """A remaining duration in words: "2 j 5 h", "5 h 12 min", "12 min"."""
    from django.utils.translation import gettext  # noqa: PLC0415

    seconds = max(0, int(value.total_seconds())) if value is not None else 0
    days, rest = divmod(seconds, 86400)
    hours, minutes = divmod(rest, 3600)[0], divmod(rest % 3600, 60)[0]
    if days:
        return gettext("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return gettext("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    return gettext("%(minutes)s min") % {"minutes": minutes}
