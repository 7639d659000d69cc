"""Every API body is read through a serializer: a JSON body that is not an object (`null`,
`false`, `0`, a list, a string) answers 400 in the API's error format, never 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from rempart.accounts.scopes import all_scopes
from rempart.accounts.services import api_token_create
from tests.tenant_world import World, build_world

pytestmark = pytest.mark.django_db
NOT_OBJECTS = ["null", "false", "0", "[]", '"x"', "[{}]"]


def _writes(world: World) -> list[tuple[str, str]]:
    finding = world.first("scanning.Finding").public_id
    return [
        ("post", f"/api/v1/findings/{finding}/accept/"),
        ("post", f"/api/v1/findings/{finding}/false-positive/"),
        ("post", f"/api/v1/findings/{finding}/reopen/"),
        ("post", "/api/v1/establishments/"),
        ("patch", f"/api/v1/establishments/{world.a.public_id}/"),
        ("post", "/api/v1/memberships/"),
        ("patch", f"/api/v1/memberships/{world.first('tenancy.Membership').public_id}/"),
        ("post", "/api/v1/scans/"),
        ("patch", f"/api/v1/assets/{world.first('scanning.Asset').public_id}/"),
    ]


@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_a_body_that_is_not_an_object_is_refused(
    body: str, personas: dict[str, Any], establishment_a: Any, establishment_b: Any, ght: Any
) -> None:
    world = build_world(personas, establishment_a, establishment_b, ght)
    token = api_token_create(user=personas["operator_admin"], name="t", scopes=all_scopes())
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token.secret}")
    for method, url in _writes(world):
        response = getattr(client, method)(url, data=body, content_type="application/json")
        assert response.status_code == 400, f"{method.upper()} {url} {body}: {response.status_code}"
        error = json.loads(response.content)["error"]
        assert error["code"] == "invalid"
        assert error["fields"]["non_field_errors"], error


def test_accepting_a_risk_needs_an_end_date(personas: dict[str, Any], establishment_a: Any) -> None:
    from rempart.scanning.tests.factories import FindingFactory

    finding = FindingFactory(establishment=establishment_a)
    token = api_token_create(user=personas["alice"], name="t", scopes=["scanning:write"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token.secret}")
    response = client.post(
        f"/api/v1/findings/{finding.public_id}/accept/",
        data={"reason": "Compensated"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(json.loads(response.content)["error"]["fields"]) == ["until"]
