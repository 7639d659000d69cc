"""Named start events of deadline rules, in words. Modules give the time of the event when
they open a deadline (`deadline_open(…, start_at=incident.aware_at)`)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

START_EVENTS: dict[str, Promise] = {
    "awareness": _("awareness of the incident"),
    "detection": _("detection"),
    "notification_sent": _("the notification was sent"),
    "request_received": _("the request was received"),
}


def register_start_event(code: str, label: Promise) -> None:
    START_EVENTS.setdefault(code, label)
