"""`{% record_timeline record %}`: the record's timeline, in place, with a form to add an
entry for those who may change the establishment."""

from __future__ import annotations

from typing import Any

from django import template

from rempart.core.actions import Action
from rempart.core.subjects import subject_ref
from rempart.tenancy import access
from rempart.timeline import selectors
from rempart.timeline.forms import EntryForm

register = template.Library()


@register.inclusion_tag("timeline/partials/_timeline.html", takes_context=True)
def record_timeline(context: Any, record: Any) -> dict[str, Any]:
    request = context["request"]
    kind, public_id = subject_ref(record)
    return {
        "record": record,
        "entries": selectors.timeline_of(user=request.user, subject=record),
        "form": EntryForm(initial={"subject_kind": kind, "subject_id": public_id, "kind": "note"}),
        "next": request.get_full_path(),
        "can_change": access.can(request.user, Action.CHANGE, record.establishment),
        "csrf_token": context.get("csrf_token"),
    }
