"""A NUL character in an address answers 400 (PostgreSQL cannot compare text holding one:
the fuzz of the API found `GET /api/v1/cves/?vendor=…%00…` answering 500 there)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rempart.accounts.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cves/?vendor=a%00b",
        "/api/v1/cves/?q%00=x",
        "/api/v1/users/a%00b/",
        "/api/v1/establishments/?finess_et=%00",
    ],
)
def test_the_api_refuses_a_null_character(personas: dict[str, Any], url: str) -> None:
    token = api_token_create(
        user=personas["alice"], name="t", scopes=["intel:read", "tenancy:read"]
    )
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token.secret}").get(url)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "L'adresse contient un caractère nul."


def test_a_page_refuses_a_null_character(personas: dict[str, Any]) -> None:
    client = Client()
    client.force_login(personas["alice"])
    response = client.get("/intel/?q=log4j%00")
    assert response.status_code == 400
    assert "contient un caractère nul." in response.content.decode()
