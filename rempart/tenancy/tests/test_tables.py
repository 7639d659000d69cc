"""The establishments and members lists as tables: filters, sorting, the actions column only
for those who manage members."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_members_filter_and_manage(personas: dict[str, Any], establishment_a: Any) -> None:
    referent = _client(personas["alice"]).get("/e/ch-alpha/members/", {"role": "viewer"})
    emails = [row.record.user.email for row in referent.context["table"].page]
    assert emails == [personas["bob"].email]
    html = referent.content.decode()
    assert f'id="role-{referent.context["table"].page[0].record.public_id}"' in html
    assert "/remove/" in html
    viewer = _client(personas["bob"]).get("/e/ch-alpha/members/")
    assert "/remove/" not in viewer.content.decode()
    assert 'name="role"' not in viewer.content.decode().split("<table", 1)[1]


def test_establishments_sort_and_search(
    personas: dict[str, Any], establishment_a: Any, establishment_b: Any
) -> None:
    client = _client(personas["operator_admin"])
    by_name = client.get("/e/", {"sort": "-name"}).context["table"].page
    assert [row.record.slug for row in by_name][:2] == ["ehpad-bravo", "ch-alpha"]
    found = client.get("/e/", {"q": "alpha"}).context["table"].page
    assert [row.record.slug for row in found] == ["ch-alpha"]
