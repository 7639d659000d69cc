"""Accessibility (RGAA / WCAG 2.1 AA): axe-core runs on the main pages in Chromium and must
find no serious or critical violation (labels, contrast, landmarks, keyboard names)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PAGES = [
    "/",
    "/e/ch-alpha/",
    "/e/ch-alpha/members/",
    "/e/ch-alpha/audit/",
    "/e/ch-alpha/settings/",
    "/e/ch-alpha/jobs/",
    "/operator/",
    "/operator/staff/",
    "/operator/sign-in/",
    "/operator/groups/",
    "/account/",
    "/account/tokens/new/",
    "/e/",
]


def _violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def signed_in(browser: Any, live_server: Any, personas: dict[str, Any]) -> Any:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(personas["operator_admin"])
    context = browser.new_context(locale="fr-FR", bypass_csp=True)  # to inject axe-core
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    yield context
    context.close()


def test_sign_in_page_is_accessible(browser: Any, live_server: Any) -> None:
    context = browser.new_context(locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert _violations(page) == []
    context.close()


def test_main_pages_are_accessible(signed_in: Any, live_server: Any) -> None:
    page = signed_in.new_page()
    problems: dict[str, list[str]] = {}
    for path in PAGES:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status < 400, path
        found = _violations(page)
        if found:
            problems[path] = found
    assert problems == {}
