"""Account pages: API tokens shown once, revocation, language switch."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from rempart.accounts.models import ApiToken
from rempart.core.crypto import token_hash

pytestmark = pytest.mark.django_db


def test_token_created_in_the_ui_is_shown_once(personas: dict[str, Any]) -> None:
    client = Client()
    client.force_login(personas["alice"])
    response = client.post(
        "/account/tokens/new/",
        {
            "name": "Export SIEM",
            "scopes": ["audit:read", "tenancy:read"],
            "expires_on": "2099-01-01",
        },
    )
    assert response.status_code == 200
    assert "expires_on" in response.context["form"].errors  # beyond the maximum lifetime
    response = client.post(
        "/account/tokens/new/",
        {
            "name": "Export SIEM",
            "scopes": ["audit:read"],
            "expires_on": response.context["form"].fields["expires_on"].initial(),
        },
    )
    secret = re.search(r"rmp_[A-Za-z0-9_\-]+", response.content.decode())
    assert secret
    token = ApiToken.objects.get(user=personas["alice"])
    assert token.token_hash == token_hash(secret.group(0))
    assert token.scopes == ["audit:read"]
    profile = client.get("/account/").content.decode()
    assert token.prefix in profile
    assert secret.group(0) not in profile
    # revocation
    assert client.post(f"/account/tokens/{token.public_id}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_cannot_revoke_someone_elses_token(personas: dict[str, Any]) -> None:
    from rempart.accounts.services import api_token_create

    issued = api_token_create(user=personas["alice"], name="a", scopes=["tenancy:read"])
    client = Client()
    client.force_login(personas["charlie"])
    assert client.post(f"/account/tokens/{issued.obj.public_id}/revoke/").status_code == 404
    issued.obj.refresh_from_db()
    assert issued.obj.revoked_at is None


def test_language_switch_translates_the_dashboard(personas: dict[str, Any]) -> None:
    client = Client()
    client.force_login(personas["alice"])
    french = client.get("/e/ch-alpha/").content.decode()
    assert "Tableau de bord" in french
    assert 'lang="fr"' in french
    response = client.post("/i18n/language/", {"language": "en", "next": "/e/ch-alpha/"})
    assert response["Location"] == "/e/ch-alpha/"
    english = client.get("/e/ch-alpha/").content.decode()
    assert "Dashboard" in english
    assert 'lang="en"' in english
    personas["alice"].refresh_from_db()
    assert personas["alice"].language == "en"


def test_language_switch_refuses_foreign_redirects(personas: dict[str, Any]) -> None:
    client = Client()
    response = client.post("/i18n/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"
