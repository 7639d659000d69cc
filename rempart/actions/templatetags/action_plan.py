"""`{% source_actions record %}`: the action items of one record, in place, with a button
to add one (a module's detail page includes its items in one line)."""

from __future__ import annotations

from typing import Any

from django import template

from rempart.actions import selectors
from rempart.actions.choices import ActionStatus
from rempart.core.actions import Action
from rempart.core.subjects import subject_code
from rempart.tenancy import access

register = template.Library()


@register.inclusion_tag("actions/partials/_source_items.html", takes_context=True)
def source_actions(context: Any, source: Any) -> dict[str, Any]:
    request = context["request"]
    items = list(selectors.actions_of_source(user=request.user, source=source))
    return {
        "request": request,
        "source": source,
        "source_kind": subject_code(source),
        "items": items,
        "today": selectors.today(),
        "next": request.get_full_path(),
        "statuses": ActionStatus.choices,
        "can_change": access.can(request.user, Action.CHANGE, source.establishment),
        "csrf_token": context.get("csrf_token"),
    }
