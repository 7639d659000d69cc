"""A 200-character scope name (no space; the issue saw 225 on SQLite) wraps on the scanning
pages: none is wider than the window in Chromium, at 1440 px nor on a phone (390 px; the
lists scroll inside their table wrapper, tests/e2e/test_table_widths.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from rempart.scanning.tests.factories import ScanFactory, ScopeFactory
from rempart.scanning.tests.test_pages_browser import _cookie, in_chromium

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
LONG = "Réseau-" + "x" * 193  # the longest name a scope takes (200), without a space


def _widths(browser: Any, base: str, cookie: dict[str, str], paths: list[str]) -> dict[str, Any]:
    found = {}
    for width in (1440, 390):
        context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
        context.add_cookies([cookie])
        page = context.new_page()
        for path in paths:
            page.goto(f"{base}{path}")
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                found[f"{path} @ {width}"] = scroll
        context.close()
    return found


def test_long_scope_names_wrap(live_server: Any, alice: Any, establishment_a: Any) -> None:
    scope = ScopeFactory(establishment=establishment_a, name=LONG, targets="127.0.0.0/29")
    scan = ScanFactory(
        establishment=establishment_a, scope=scope, status="completed", finished_at=timezone.now()
    )
    paths = [
        "/e/ch-alpha/scopes/",
        f"/e/ch-alpha/scopes/{scope.public_id}/",
        f"/e/ch-alpha/scopes/{scope.public_id}/edit/",
        f"/e/ch-alpha/scans/{scan.public_id}/",
    ]
    cookie = _cookie(live_server, alice)
    assert in_chromium(lambda browser: _widths(browser, live_server.url, cookie, paths)) == {}
