"""Helpers of the campaign engine tests: a campaign ready to approve, against a sink."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory
from django.test.client import ClientHandler
from django.utils import timezone

from rempart.phishing.models import Campaign, RecipientGroup
from rempart.phishing.tests.factories import (
    EmailTemplateFactory,
    RecipientFactory,
    RecipientGroupFactory,
    SendingDomainFactory,
    SendingProfileFactory,
)
from rempart.phishing.tracking.wsgi import TrackingHandlerMixin

DOMAIN = "ch-alpha.example.fr"


def recipients(
    establishment: Any, count: int, *, domain: str = DOMAIN, group: Any = None
) -> RecipientGroup:
    """A group of `count` people of a verified domain (departments cycle over 3 services)."""
    SendingDomainFactory(establishment=establishment, domain=domain, verified_at=timezone.now())
    group = group or RecipientGroupFactory(establishment=establishment)
    services = ("Cardiologie", "Urgences", "Pharmacie")
    for index in range(count):
        RecipientFactory(
            establishment=establishment,
            group=group,
            email=f"agent{index}@{domain}",
            first_name="Camille",
            department=services[index % len(services)],
            job_family="Infirmier",
        )
    return group


def campaign(
    establishment: Any,
    actor: Any,
    *,
    port: int,
    groups: list[Any],
    templates: list[Any] | None = None,
    **fields: Any,
) -> Campaign:
    """A draft campaign (every day, all day, no jitter) sending through the sink on `port`."""
    from rempart.phishing.campaigns.services import campaign_save

    profile = SendingProfileFactory(
        establishment=establishment, port=port, rate_per_second=1000, rate_per_hour=10**6
    )
    values: dict[str, Any] = {
        "name": "Campagne de test",
        "sending_profile": profile,
        "weekdays": list(range(7)),
        "hour_start": 0,
        "hour_end": 24,
        "skip_public_holidays": False,  # the tests send on the day they run, whatever it is
        "jitter_seconds": 0,
        "retention_until": timezone.localdate() + dt.timedelta(days=90),
        "launch_at": None,
        "send_by": None,
    }
    values.update(fields)
    draft = Campaign(establishment=establishment, **values)
    return campaign_save(
        campaign=draft,
        actor=actor,
        groups=groups,
        templates=templates or [EmailTemplateFactory(establishment=establishment)],
    )


def signed_in(user: Any, language: str = "") -> Client:
    """A client signed in as `user`, asking for `language` (the default language if empty)."""
    client = Client(headers={"accept-language": language} if language else {})
    client.force_login(user)
    return client


class _TrackingClientHandler(TrackingHandlerMixin, ClientHandler):
    pass


class TrackingClient(Client):
    """Django's test client serving `/p/…` the way `config.wsgi` does in production: through
    the tracking fast path's own handler (rempart.phishing.tracking.wsgi), not the application's
    middleware."""

    def __init__(self, **defaults: Any) -> None:
        super().__init__(**defaults)
        self.handler = _TrackingClientHandler(enforce_csrf_checks=True)


@dataclass
class WsgiAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


def wsgi_call(method: str, path: str, **environ: Any) -> WsgiAnswer:
    """One request through the production WSGI application (`config.wsgi`), with the bytes it
    emits as they are: Django's test client drops a HEAD answer's body itself, so it cannot
    show what the application sends. Connections are kept, as the test client does."""
    from config.wsgi import application  # builds the handlers: imported when first needed

    request = RequestFactory().generic(method, path, **environ)
    answer = WsgiAnswer(0, {}, b"")

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        answer.status, answer.headers = int(status.split(maxsplit=1)[0]), dict(headers)
        return None

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = application(request.environ, start_response)
        try:
            answer.body = b"".join(result)
        finally:
            result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer
