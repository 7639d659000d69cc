"""The REST API: token authentication and scopes, tenant scoping, one error format."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from rempart.accounts.models import ApiToken
from rempart.accounts.services import api_token_create, api_token_revoke
from rempart.core.crypto import token_hash
from rempart.tenancy.models import Establishment, Membership

pytestmark = pytest.mark.django_db


def _client(user: Any, scopes: list[str], **kwargs: Any) -> tuple[APIClient, ApiToken]:
    issued = api_token_create(user=user, name="test", scopes=scopes, **kwargs)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    return client, issued.obj


def test_token_is_stored_hashed(personas: dict[str, Any]) -> None:
    issued = api_token_create(user=personas["alice"], name="ci", scopes=["tenancy:read"])
    stored = ApiToken.objects.get(pk=issued.obj.pk)
    assert issued.secret.startswith("rmp_")
    assert stored.token_hash == token_hash(issued.secret)
    assert issued.secret not in str(ApiToken.objects.values().get(pk=stored.pk))


def test_list_is_tenant_scoped(personas: dict[str, Any]) -> None:
    client, _ = _client(personas["alice"], ["tenancy:read"])
    response = client.get("/api/v1/establishments/")
    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == ["ch-alpha"]
    admin, _ = _client(personas["operator_admin"], ["tenancy:read"])
    slugs = {row["slug"] for row in admin.get("/api/v1/establishments/").json()["results"]}
    assert slugs == {"ch-alpha", "ehpad-bravo"}


def test_other_establishment_answers_404(personas: dict[str, Any], establishment_a: Any) -> None:
    client, _ = _client(personas["charlie"], ["tenancy:write"])
    url = f"/api/v1/establishments/{establishment_a.public_id}/"
    assert client.get(url).status_code == 404
    response = client.patch(url, {"city": "Ailleurs"}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404
    establishment_a.refresh_from_db()
    assert establishment_a.city == ""


def test_read_scope_cannot_write(personas: dict[str, Any], establishment_a: Any) -> None:
    client, _ = _client(personas["alice"], ["tenancy:read"])
    response = client.patch(
        f"/api/v1/establishments/{establishment_a.public_id}/",
        {"city": "Versailles"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    establishment_a.refresh_from_db()
    assert establishment_a.city == ""


def test_scope_of_another_module_is_refused(personas: dict[str, Any]) -> None:
    client, _ = _client(personas["alice"], ["audit:read"])
    assert client.get("/api/v1/establishments/").status_code == 403
    assert client.get("/api/v1/audit-entries/").status_code == 200


def test_write_scope_updates(personas: dict[str, Any], establishment_a: Any) -> None:
    client, _ = _client(personas["alice"], ["tenancy:write"])
    response = client.patch(
        f"/api/v1/establishments/{establishment_a.public_id}/",
        {"city": "Versailles"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["city"] == "Versailles"


def test_revoked_and_expired_tokens(personas: dict[str, Any]) -> None:
    client, token = _client(personas["alice"], ["tenancy:read"])
    api_token_revoke(token=token, actor=personas["alice"])
    response = client.get("/api/v1/establishments/")
    assert response.status_code == 401
    assert "révoqué" in response.json()["error"]["message"]
    expiring, token = _client(
        personas["alice"], ["tenancy:read"], expires_at=timezone.now() + dt.timedelta(minutes=1)
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert expiring.get("/api/v1/establishments/").status_code == 401


def test_malformed_payloads_get_one_error_format(personas: dict[str, Any]) -> None:
    client, _ = _client(personas["operator_admin"], ["tenancy:write"])
    count = Establishment.objects.count()
    response = client.post(
        "/api/v1/establishments/",
        {"name": "X", "finess_et": "123", "category": "castle"},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) >= {"finess_et", "finess_ej", "category"}
    assert "9 caractères" in error["fields"]["finess_et"][0]
    bad_json = client.post("/api/v1/establishments/", "{not json", content_type="application/json")
    assert bad_json.status_code == 400
    assert bad_json.json()["error"]["code"] == "parse_error"
    assert Establishment.objects.count() == count


def test_create_establishment_and_duplicate(personas: dict[str, Any], establishment_a: Any) -> None:
    client, _ = _client(personas["operator_admin"], ["tenancy:write"])
    payload = {
        "name": "CH Delta",
        "finess_et": "750803447",
        "finess_ej": "750712184",
        "category": "ch",
        "group": "ght-test",
    }
    created = client.post("/api/v1/establishments/", payload, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["group"] == "ght-test"
    duplicate = client.post("/api/v1/establishments/", payload, format="json")
    assert duplicate.status_code == 400
    assert "finess_et" in duplicate.json()["error"]["fields"]
    referent, _ = _client(personas["alice"], ["tenancy:write"])
    refused = referent.post(
        "/api/v1/establishments/", {**payload, "finess_et": "330781196"}, format="json"
    )
    assert refused.status_code == 403


def test_memberships_api(personas: dict[str, Any], establishment_a: Any) -> None:
    client, _ = _client(personas["alice"], ["tenancy:write"])
    listed = client.get("/api/v1/memberships/").json()["results"]
    assert {row["user"] for row in listed} == {personas["alice"].email, personas["bob"].email}
    bob = Membership.objects.get(user=personas["bob"])
    response = client.patch(
        f"/api/v1/memberships/{bob.public_id}/", {"role": "contributor"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["role"] == "contributor"
    viewer, _ = _client(personas["bob"], ["tenancy:write"])
    alice_membership = Membership.objects.get(user=personas["alice"])
    assert viewer.delete(f"/api/v1/memberships/{alice_membership.public_id}/").status_code == 404
    assert Membership.objects.filter(pk=alice_membership.pk).exists()


def test_users_api_hides_other_establishments(personas: dict[str, Any]) -> None:
    client, _ = _client(personas["charlie"], ["tenancy:read"])
    emails = {row["email"] for row in client.get("/api/v1/users/").json()["results"]}
    assert emails == {personas["charlie"].email}
    assert client.get(f"/api/v1/users/{personas['alice'].email}/").status_code == 404


def test_schema_and_docs(personas: dict[str, Any], client: Any) -> None:
    client.force_login(personas["alice"])
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/establishments/" in paths
    assert "/api/v1/audit-entries/" in paths
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


def test_anonymous_is_refused(db: Any) -> None:
    response = APIClient().get("/api/v1/establishments/")
    assert response.status_code in (401, 403)
    assert "error" in response.json()


def test_schema_with_any_token(personas: dict[str, Any]) -> None:
    client, _ = _client(personas["bob"], ["jobs:read"])
    assert client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").status_code == 200
