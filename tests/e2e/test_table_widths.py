"""Every list converted to a table (rempart/core/tables) fits the window in Chromium, on a
phone (390 x 844) and on a desktop (1440 x 900): the table scrolls inside its wrapper and
long unbroken values (a 200-character scope name, a finding title, an audit change) wrap,
so that the page itself is never wider than the window."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONG = "x" * 200  # no space: the longest unbroken value a name takes


def _long(prefix: str) -> str:
    """`prefix` and unbroken text, 200 characters in all (the names' maximum length)."""
    return prefix + "x" * (200 - len(prefix))


VIEWPORTS = ({"width": 390, "height": 844}, {"width": 1440, "height": 900})
PAGES = [
    "/e/ch-alpha/findings/",
    "/e/ch-alpha/assets/",
    "/e/ch-alpha/scans/",
    "/e/ch-alpha/scopes/",
    "/e/ch-alpha/audit/",
    "/e/ch-alpha/jobs/",
    "/operator/audit/",
    "/jobs/",
    "/e/ch-alpha/phishing/",
    "/e/ch-alpha/phishing/groups/",
    "/e/ch-alpha/phishing/templates/",
    "/intel/",
    "/e/",
    "/e/ch-alpha/webhooks/",
    "/e/ch-alpha/members/",
]


def _long_values(establishment: Any, actor: Any) -> None:
    from rempart.audit.services import audit_record
    from rempart.jobs.models import JobRun
    from rempart.scanning.tests.factories import (
        AssetFactory,
        FindingFactory,
        ScanFactory,
        ScopeFactory,
    )

    scope = ScopeFactory(establishment=establishment, name=_long("Réseau-"))
    ScanFactory(establishment=establishment, scope=scope, finished_at=timezone.now())
    asset = AssetFactory(establishment=establishment, name=_long("poste-"), os_guess=LONG)
    FindingFactory(establishment=establishment, asset=asset, title_fr="Bannière " + LONG, key=LONG)
    audit_record(
        actor=actor,
        verb="scanning.scope.updated",
        target=scope,
        changes={"name": ["Réseau", _long("Réseau-")], "reason": LONG},
    )
    JobRun.objects.create(kind="audit.verify", title="Tâche " + LONG, establishment=establishment)
    _long_phishing(establishment)


def _long_phishing(establishment: Any) -> None:
    from rempart.phishing.tests.factories import (
        CampaignFactory,
        EmailTemplateFactory,
        RecipientGroupFactory,
    )

    CampaignFactory(establishment=establishment, name=_long("Campagne-"))
    RecipientGroupFactory(establishment=establishment, name=_long("Service-"), description=LONG)
    EmailTemplateFactory(establishment=establishment, name=_long("Modèle-"), subject=LONG)
    _long_webhook(establishment)


def _long_webhook(establishment: Any) -> None:
    from rempart.webhooks.tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory

    endpoint = WebhookEndpointFactory(
        establishment=establishment, name=_long("SIEM-"), url="https://siem.example.org/" + LONG
    )
    WebhookDeliveryFactory(establishment=establishment, endpoint=endpoint, last_error=LONG)


def _too_wide(page: Any, base: str) -> dict[str, int]:
    found = {}
    for path in PAGES:
        response = page.goto(f"{base}{path}")
        assert response is not None, path
        assert response.status == 200, path
        assert page.locator(".rempart-table-wrap").count() >= 1, f"{path}: no table wrapper"
        scroll, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > window:
            found[path] = scroll
    return found


def test_lists_fit_the_window(
    browser: Any, live_server: Any, personas: dict[str, Any], establishment_a: Any
) -> None:
    from django.conf import settings
    from django.test import Client

    admin = personas["operator_admin"]
    _long_values(establishment_a, admin)
    client = Client()
    client.force_login(admin)
    cookie = {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }
    problems = {}
    for viewport in VIEWPORTS:
        context = browser.new_context(locale="fr-FR", viewport=viewport)
        context.add_cookies([cookie])
        page = context.new_page()
        for path, width in _too_wide(page, live_server.url).items():
            problems[f"{path} @ {viewport['width']}"] = width
        context.close()
    assert problems == {}, f"pages wider than the window: {problems}"
