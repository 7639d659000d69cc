"""The dashboards and the reports page in Chromium: no serious axe-core violation (WCAG 2.1 AA)
and no Content-Security-Policy violation (charts are plain SVG, no inline style or script)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.utils import timezone

from rempart.scanning.tests.factories import (
    AssetFactory,
    FindingFactory,
    ReportFactory,
    ScanFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[3] / "tests" / "e2e" / "vendor" / "axe.min.js"
PAGES = ["/e/ch-alpha/security/", "/e/ch-alpha/reports/", "/e/ch-alpha/", "/operator/"]
SHOTS = os.environ.get("REMPART_SCREENSHOTS")  # a folder: keep screenshots for review
CHROMIUM = os.environ.get("REMPART_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
T = TypeVar("T")


@pytest.fixture
def scanned(establishment_a: Any, establishment_b: Any) -> None:
    now = timezone.now()
    classes = ("server", "workstation", "biomedical", "printer", "network_core")
    assets = [
        AssetFactory(
            establishment=establishment_a,
            asset_class=classes[i % 5],
            name=f"poste-{i}" if i % 2 else "",
        )
        for i in range(15)
    ]
    for index in range(150):
        first_seen = now - dt.timedelta(days=(index * 7) % 80)
        FindingFactory(
            establishment=establishment_a,
            asset=assets[index % 15],
            severity=("critical", "high", "medium", "low", "info")[index % 5],
            first_seen=first_seen,
            due_at=first_seen + dt.timedelta(days=30),
            status="fixed" if index % 3 == 0 else "open",
            fixed_at=first_seen + dt.timedelta(days=5) if index % 3 == 0 else None,
        )
    FindingFactory(establishment=establishment_b, severity="high")
    ScanFactory(establishment=establishment_a, finished_at=now)
    ReportFactory(establishment=establishment_a)


def _cookie(live_server: Any, user: Any) -> dict[str, str]:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": live_server.url}


def in_chromium(job: Callable[[Any], T]) -> T:
    """Run `job(browser)` with Debian's Chromium in a thread of its own: Playwright's sync API
    must not share a thread with another Playwright session (tests/e2e keeps one open)."""
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    def run() -> T:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                return job(browser)
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


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


def _audit(browser: Any, base: str, cookie: dict[str, str]) -> dict[str, list[str]]:
    context = browser.new_context(
        locale="fr-FR", bypass_csp=True, viewport={"width": 1400, "height": 1000}
    )
    context.add_cookies([cookie])
    page = context.new_page()
    problems = {}
    for path in PAGES:
        response = page.goto(f"{base}{path}")
        if response is None or response.status != 200:
            problems[path] = [f"status {response.status if response else None}"]
            continue
        if SHOTS:
            name = path.strip("/").replace("/", "_")
            page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)
        found = _violations(page)
        if found:
            problems[path] = found
    context.close()
    return problems


def _console_errors(browser: Any, base: str, cookie: dict[str, str]) -> list[str]:
    context = browser.new_context(locale="fr-FR")
    context.add_cookies([cookie])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    for path in PAGES[:3]:
        response = page.goto(f"{base}{path}")
        if response is None or response.status != 200:
            errors.append(f"{path}: status {response.status if response else None}")
    context.close()
    return errors


def test_pages_are_accessible(scanned: None, live_server: Any, operator_admin: Any) -> None:
    cookie = _cookie(live_server, operator_admin)
    assert in_chromium(lambda browser: _audit(browser, live_server.url, cookie)) == {}


def test_pages_respect_the_csp(scanned: None, live_server: Any, alice: Any) -> None:
    cookie = _cookie(live_server, alice)
    assert in_chromium(lambda browser: _console_errors(browser, live_server.url, cookie)) == []
