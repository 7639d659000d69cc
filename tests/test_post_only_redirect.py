"""A GET on a POST-only HTML page (a form's action) leads to its page instead of an empty
405; the API keeps its JSON 405, and the public tracking links keep theirs."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rempart.core.middleware import KEEP_405
from tests.tenant_world import World, build_world, discover_routes

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_client(personas: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(personas["alice"])
    return client


@pytest.mark.parametrize(
    ("url", "page"),
    [
        ("/e/ch-alpha/members/invite/", "/e/ch-alpha/members/"),
        ("/e/ch-alpha/exclusions/add/", "/e/ch-alpha/"),
        ("/i18n/language/", "/"),
        ("/operator/audit/verify/", "/operator/audit/"),
    ],
)
def test_a_get_on_a_form_action_leads_to_its_page(
    alice_client: Client, url: str, page: str
) -> None:
    response = alice_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == page


def test_the_page_checks_access_as_usual(personas: dict[str, Any]) -> None:
    # charlie (establishment B) is sent to A's member list, which does not exist for him
    client = Client()
    client.force_login(personas["charlie"])
    response = client.get("/e/ch-alpha/members/invite/", follow=True)
    assert response.redirect_chain == [("/e/ch-alpha/members/", 302)]
    assert response.status_code == 404


def test_the_api_keeps_its_json_405(alice_client: Client) -> None:
    response = alice_client.get("/api/v1/findings/00000000-0000-0000-0000-000000000000/accept/")
    assert response.status_code == 405
    assert response.json()["error"]["status"] == 405


def test_tracking_links_keep_their_405() -> None:
    response = Client().get("/p/sometoken/submit")
    assert response.status_code == 405


def _value(world: World, param: str) -> Any:
    try:
        return [*world.candidates(param), 1][0]
    except LookupError:  # allauth's bearer keys: any value of the right shape
        return "x"


def test_no_page_answers_an_empty_405_to_a_get(
    personas: dict[str, Any], establishment_a: Any, establishment_b: Any, ght: Any
) -> None:
    """Every HTML route, with establishment A's identifiers, for A's referent."""
    world: World = build_world(personas, establishment_a, establishment_b, ght)
    client = Client()
    client.force_login(personas["alice"])
    empty_405 = []
    for route in discover_routes():
        if ("/" + route.pattern).startswith(KEEP_405):
            continue
        url = route.build({param: _value(world, param) for param in route.params})
        if client.get(url).status_code == 405:
            empty_405.append(url)
    assert empty_405 == []
