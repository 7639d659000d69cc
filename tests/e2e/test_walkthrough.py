"""The first hour, as a newcomer meets it: every menu entry of the demo region, for each demo
role, in Chromium on a phone (390 x 844).

Each page must answer without an error, read in French (no English text, no Python repr, no
raw code, no duplicate element id: `tests/french_text.py`), fit the screen's width (a wide
table scrolls inside its wrapper, never the page) and log no console error. A failing page is
screenshotted into `REMPART_WALKTHROUGH_DIR` (default `var/walkthrough/`) and named in the
failure message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from conftest import give_totp
from tests.test_french_pages import catalog_vendors, page_defects, product_name_words

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# (demo account, the establishment whose module menu is walked; None: the global menus only)
ROLES = [
    ("admin", "ch-nanterre"),
    ("analyste", "ch-boulogne"),
    ("rssi.ght", "ch-boulogne"),
    ("contributeur.nanterre", "ch-nanterre"),
    ("lecteur.boulogne", "ch-boulogne"),
    ("dpo.boulogne", "ch-boulogne"),
    ("direction.ehpad", "ehpad-tilleuls"),
]
ESTABLISHMENT_HOME = re.compile(r"^/e/([^/]+)/")
OUTSIDE_THE_APP = ("/api/", "/admin/", "/static/", "/media/")


def _shots() -> Path:
    folder = Path(
        os.environ.get("REMPART_WALKTHROUGH_DIR", Path(settings.BASE_DIR) / "var" / "walkthrough")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Walk:
    """What one role's walk found wrong, page by page."""

    account: str
    failures: list[str] = field(default_factory=list)

    def fail(self, page: Any, path: str, what: str) -> None:
        name = re.sub(r"[^a-z0-9]+", "-", f"{self.account}{path}".lower()).strip("-")
        page.screenshot(path=str(_shots() / f"{name}.png"), full_page=True)
        self.failures.append(f"{self.account} {path}: {what}")


@pytest.fixture
def demo_region(django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    from rempart.accounts.models import User

    product_name_words.cache_clear()
    catalog_vendors.cache_clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("init", "--demo")
    users = {user.email.split("@")[0]: user for user in User.objects.all()}
    for user in users.values():
        give_totp(user)  # operator staff and some members require a second factor
    User.objects.update(must_change_password=False)  # the first administrator's own step
    return users


def _signed_in(browser: Any, live_server: Any, user: Any) -> Any:
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="fr-FR", viewport=PHONE)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    return page


def _menu_links(page: Any, base: str, slug: str | None) -> list[str]:
    """The header's links (global menus, user menu, the establishment's modules), each
    establishment page only for `slug` (the switcher lists every establishment)."""
    hrefs = page.eval_on_selector_all(
        "header a[href]", "els => els.map(e => e.getAttribute('href'))"
    )
    links = []
    for href in hrefs:
        path = href.removeprefix(base)
        if not path.startswith("/") or path.startswith(OUTSIDE_THE_APP):
            continue
        home = ESTABLISHMENT_HOME.match(path)
        if home and home.group(1) != slug:
            continue
        links.append(path)
    return list(dict.fromkeys(links))


def _pages(page: Any, base: str, slug: str | None) -> Iterator[str]:
    starts = ["/"] + ([f"/e/{slug}/"] if slug else [])
    seen: set[str] = set()
    for start in starts:
        page.goto(base + start)
        for path in [start, *_menu_links(page, base, slug)]:
            if path not in seen:
                seen.add(path)
                yield path


def _check(page: Any, base: str, path: str, walk: Walk) -> None:
    page.console_errors.clear()
    response = page.goto(base + path)
    if response is None or response.status >= 400:
        walk.fail(page, path, f"HTTP {response.status if response else 'no answer'}")
        return
    found = page_defects(path, page.content())  # the same checks as the crawl's
    if found:
        walk.fail(page, path, "; ".join(found))
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        walk.fail(page, path, f"{width[0]} px wide on a {width[1]} px screen")
    if page.console_errors:
        walk.fail(page, path, f"console {page.console_errors}")


def test_every_menu_entry_reads_in_french_and_fits_a_phone(
    browser: Any, live_server: Any, demo_region: dict[str, Any]
) -> None:
    """One demo load for every role (it replays weeks of history)."""
    failures, visited = [], {}
    for account, slug in ROLES:
        page = _signed_in(browser, live_server, demo_region[account])
        walk = Walk(account)
        visited[account] = list(_pages(page, live_server.url, slug))
        for path in visited[account]:
            _check(page, live_server.url, path, walk)
        page.context.close()
        failures += walk.failures
    assert all(len(paths) >= 5 for paths in visited.values()), visited  # menus were found
    assert not failures, f"screenshots in {_shots()}\n" + "\n".join(failures)
