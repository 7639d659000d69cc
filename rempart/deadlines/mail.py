"""The reminder e-mail of a deadline: to its owner, or else to the establishment's
referents, each in their own language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from rempart.core.subjects import SUBJECTS, subject_get
from rempart.deadlines.events import START_EVENTS
from rempart.deadlines.models import Deadline


def recipients(deadline: Deadline) -> list[Any]:
    """The owner if active, else the establishment's active referents."""
    if deadline.owner is not None and deadline.owner.is_active:
        return [deadline.owner]
    users = get_user_model().objects.filter(
        memberships__establishment_id=deadline.establishment_id,
        memberships__role="referent",
        is_active=True,
    )
    return list(users.order_by("pk"))


def send_reminder(deadline: Deadline, *, overdue: bool, now: dt.datetime) -> list[str]:
    """One e-mail per recipient; returns the addresses written to."""
    record = subject_get(deadline.subject_kind, deadline.subject_id, deadline.establishment)
    kind = SUBJECTS.get(deadline.subject_kind)
    link = kind.link(record) if kind and record is not None else ""
    sent = []
    for user in recipients(deadline):
        with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
            context = {
                "deadline": deadline,
                "record": record,
                "overdue": overdue,
                "url": f"{settings.SITE_URL}{link}" if link else "",
                "due": timezone.localtime(deadline.due_at),
                "hours_left": max(0, round((deadline.due_at - now).total_seconds() / 3600)),
                "event": START_EVENTS.get(deadline.rule.start_event, deadline.rule.start_event),
            }
            subject = render_to_string("deadlines/email/reminder_subject.txt", context)
            body = render_to_string("deadlines/email/reminder.txt", context)
        EmailMessage(" ".join(subject.split()), body, to=[user.email]).send()
        sent.append(user.email)
    return sent
