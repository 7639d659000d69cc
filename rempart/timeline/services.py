"""Writes of the timeline: entries by hand, and the changes of a record's fields recorded
by the platform.

    timeline_add(subject=incident, author=user, kind="decision", text="Isoler le VLAN 12")

    with timeline_tracking(subject=incident, actor=user, fields=["status", "severity"]):
        incident.status = IncidentStatus.DECLARED
        incident.save(update_fields=["status"])
    # one "status" entry (status) and one "change" entry per other field that changed

The tracking is explicit (a context manager around the service's write), never a signal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.core.subjects import subject_ref
from rempart.tenancy import access
from rempart.timeline import kinds
from rempart.timeline.kinds import CHANGE, STATUS
from rempart.timeline.models import TimelineEntry

TEXT_MAX = 10_000


def _entry(
    subject: Any,
    author: Any,
    kind: str,
    text: str,
    *,
    occurred_at: dt.datetime | None = None,
    data: Any = None,
) -> TimelineEntry:
    kind_code, public_id = subject_ref(subject)
    return TimelineEntry.objects.create(
        establishment_id=subject.establishment_id,
        subject_kind=kind_code,
        subject_id=public_id,
        author=author if getattr(author, "is_authenticated", False) else None,
        kind=kind,
        text=text,
        occurred_at=occurred_at or timezone.now(),
        data=data or {},
    )


@transaction.atomic
def timeline_add(
    *,
    subject: Any,
    author: Any,
    kind: str,
    text: str,
    occurred_at: dt.datetime | None = None,
    ip_address: str | None = None,
) -> TimelineEntry:
    """An entry written by a person (a note, a decision…), dated when it happened."""
    if not access.can(author, Action.CHANGE, subject.establishment):
        raise PermissionDeniedError(_("You may not write in this timeline."))
    if kind not in kinds.MANUAL_KINDS:
        raise ApplicationError(_("Unknown kind of entry."))
    text = text.strip()
    if not text:
        raise ApplicationError(_("Write the entry's text."))
    if len(text) > TEXT_MAX:
        raise ApplicationError(_("The text is too long (10,000 characters at most)."))
    if occurred_at is not None and occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise ApplicationError(_("An entry cannot be dated in the future."))
    entry = _entry(subject, author, kind, text, occurred_at=occurred_at)
    audit_record(
        actor=author,
        verb="timeline.entry.added",
        target=entry,
        ip_address=ip_address,
        changes={"kind": kind, "subject": f"{entry.subject_kind}:{entry.subject_id}"},
    )
    return entry


def timeline_record_change(
    *, subject: Any, actor: Any, field: str, old: Any, new: Any, text: str = ""
) -> TimelineEntry | None:
    """One platform entry for a field that changed (the status gets the kind "status");
    nothing when the value did not change."""
    if old == new:
        return None
    kind = STATUS if field == "status" else CHANGE
    data = {"field": field, "from": _plain(old), "to": _plain(new)}
    return _entry(subject, actor, kind, text, data=data)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return getattr(value, "pk", value)


@contextmanager
def timeline_tracking(*, subject: Any, actor: Any, fields: Sequence[str]) -> Iterator[None]:
    """Record an entry for each of `fields` that the block changes on `subject`."""
    before = {name: getattr(subject, name) for name in fields}
    yield
    for name in fields:
        timeline_record_change(
            subject=subject, actor=actor, field=name, old=before[name], new=getattr(subject, name)
        )


def timeline_forget(*, subject: Any) -> int:
    """Delete the entries of a record that is being deleted."""
    kind, public_id = subject_ref(subject)
    deleted, _detail = TimelineEntry.objects.filter(
        establishment_id=subject.establishment_id, subject_kind=kind, subject_id=public_id
    ).delete()
    return deleted
