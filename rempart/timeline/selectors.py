"""Reads of the timeline, scoped through `visible_to`, with changes put in words."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from rempart.core.subjects import subject_ref
from rempart.timeline.models import TimelineEntry


def timeline_of(*, user: Any, subject: Any) -> list[TimelineEntry]:
    """The record's entries that `user` may see, newest first, each with `summary` (a change
    in words: "Statut : Signalé → Déclaré") set."""
    kind, public_id = subject_ref(subject)
    entries = list(
        TimelineEntry.objects.visible_to(user)
        .filter(establishment_id=subject.establishment_id, subject_kind=kind, subject_id=public_id)
        .select_related("author")
    )
    for entry in entries:
        entry.summary = _summary(entry, subject)
    return entries


def _summary(entry: TimelineEntry, subject: Any) -> str:
    field_name = entry.data.get("field") if isinstance(entry.data, dict) else None
    if not field_name:
        return ""
    try:
        field = type(subject)._meta.get_field(field_name)
    except FieldDoesNotExist:
        return ""
    choices = {str(k): str(v) for k, v in (getattr(field, "choices", None) or [])}

    def word(value: Any) -> str:
        if value in (None, ""):
            return "—"
        return choices.get(str(value), str(value))

    return _("%(field)s: %(old)s → %(new)s") % {
        "field": str(getattr(field, "verbose_name", field_name)).capitalize(),
        "old": word(entry.data.get("from")),
        "new": word(entry.data.get("to")),
    }
