"""The menus: grouped, and showing only what the user may open."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

MENU = re.compile(r'<nav class="navbar[^"]*"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a class="(?:nav-link|dropdown-item)[^"]*" href="([^"]+)"')


def _menus(client: Client, path: str) -> tuple[str, list[str]]:
    page = client.get(path).content.decode()
    menus = "".join(MENU.findall(page))
    return menus, LINK.findall(menus)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona", ["alice", "bob", "operator_admin", "analyst"])
def test_every_menu_entry_opens(personas: dict[str, Any], persona: str) -> None:
    # given
    client = _client(personas[persona])
    # when
    _menus_html, links = _menus(client, "/e/ch-alpha/")
    # then
    assert "/e/ch-alpha/findings/" in links
    for href in links:
        assert client.get(href).status_code == 200, href


def test_a_viewer_does_not_see_the_audit_log(bob: Any, alice: Any) -> None:
    _html, viewer_links = _menus(_client(bob), "/e/ch-alpha/")
    _html, referent_links = _menus(_client(alice), "/e/ch-alpha/")
    assert "/e/ch-alpha/audit/" not in viewer_links
    assert "/e/ch-alpha/audit/" in referent_links
    assert "/operator/" not in referent_links


def test_modules_are_grouped_in_drop_down_menus(alice: Any) -> None:
    html, _links = _menus(_client(alice), "/e/ch-alpha/findings/")
    assert 'id="menu-establishment-vulnerabilities"' in html
    assert 'id="menu-establishment-phishing"' in html
    assert 'id="menu-establishment-administration"' in html
    # the current page is marked, and only it
    assert html.count('aria-current="page"') == 1
    assert 'href="/e/ch-alpha/findings/" aria-current="page"' in html


def test_operator_menus(operator_admin: Any, analyst: Any) -> None:
    html, admin_links = _menus(_client(operator_admin), "/operator/")
    assert 'id="menu-global-region"' in html
    assert "/operator/" in admin_links
    _html, analyst_links = _menus(_client(analyst), "/operator/")
    assert "/operator/" in analyst_links
    assert not set(analyst_links) >= set(admin_links)  # the team and its audit: admins only
