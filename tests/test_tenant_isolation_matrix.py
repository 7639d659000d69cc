"""Cross-establishment access: every registered URL and API route, discovered automatically.

For each route, a referent of establishment B (charlie) and a viewer of establishment A
(bob, for writes) try to read and write establishment A's objects, found by substituting
A's identifiers into the route's parameters. Denials must be 404/403/405 (or a redirect to
sign-in for the admin) and must change nothing in the database. Routes without parameters
must not show A's data to charlie. A positive control proves each parameterised route
really reaches A's objects for A's referent or the operator administrator.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from django.test import Client

from tests.tenant_world import (
    PAYLOAD,
    PUBLIC_ROUTES,
    Route,
    World,
    build_world,
    discover_routes,
    establishment_fingerprint,
    rows_written,
    tenant_factories,
    tenant_models,
)

ROUTES = discover_routes()
DENIED = {403, 404, 405}
WRITE_METHODS = ("post", "put", "patch", "delete")
MAX_COMBINATIONS = 400


def test_every_tenant_model_has_a_factory() -> None:
    """New tenant-owned models must register a factory so the matrix covers them."""
    missing = [m._meta.label for m in tenant_models() if m not in tenant_factories()]
    assert missing == [], (
        f"add these models to TENANT_FACTORIES in their tests/factories.py: {missing}"
    )


@pytest.fixture
def world(personas: dict[str, Any], establishment_a: Any, establishment_b: Any, ght: Any) -> World:
    return build_world(personas, establishment_a, establishment_b, ght)


def _combinations(route: Route, world: World) -> list[dict[str, Any]]:
    if not route.params:
        return [{}]
    choices = [world.candidates(param) for param in route.params]
    # Two object identifiers (a diff of two scans…) are tried on objects of one model first,
    # so that the combinations that can succeed fit in the budget however many models exist.
    models = {getattr(obj, "public_id", None): type(obj) for obj in world.a_objects}
    product = sorted(
        itertools.product(*choices),
        key=lambda values: len({models[v] for v in values if v in models}) > 1,
    )
    return [
        dict(zip(route.params, values, strict=True))
        for values in itertools.islice(product, MAX_COMBINATIONS)
    ]


def _request(client: Client, method: str, url: str) -> Any:
    if url.startswith("/api/"):
        return getattr(client, method)(
            url, data=json.dumps(PAYLOAD), content_type="application/json"
        )
    if method in ("get", "post"):
        return getattr(client, method)(url, data=PAYLOAD if method == "post" else None)
    return getattr(client, method)(url)


SIGN_IN_PAGES = ("/admin/login/", "/accounts/login/", "/accounts/reauthenticate/")


def _is_denied(route: Route, response: Any, url: str = "") -> bool:
    """403/404/405, a redirect to a sign-in page (the admin, allauth's reauthentication), or
    the redirect of a GET on a POST-only page to its parent page (PostOnlyRedirectMiddleware:
    its address comes from the requested URL alone, and the parent page, a route of its own,
    is checked by this test too)."""
    if response.status_code in DENIED:
        return True
    if response.status_code != 302:
        return False
    location = response["Location"]
    if location.startswith(SIGN_IN_PAGES):
        return True
    is_get = response.request["REQUEST_METHOD"] == "GET"
    return is_get and location != url and url.startswith(location)


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@pytest.mark.parametrize("route", ROUTES, ids=[r.pattern or "/" for r in ROUTES])
def test_other_establishment_is_denied(route: Route, world: World, client: Client) -> None:
    if route.pattern in PUBLIC_ROUTES:
        pytest.skip(PUBLIC_ROUTES[route.pattern])
    combos = _combinations(route, world)
    if route.tenant_params:
        combos = _reachable(route, combos, world)
    client.force_login(world.personas["charlie"])
    for values in combos:
        url = route.build(values)
        response = client.get(url)
        assert response.status_code < 500, f"GET {url} crashed"
        if route.tenant_params:
            assert _is_denied(route, response, url), f"charlie read {url}: {response.status_code}"
        else:
            body = _body(response)
            leaked = [marker for marker in world.a_markers if marker in body]
            assert not leaked, f"GET {url} shows establishment A's data to B: {leaked}"
    _assert_writes_denied(route, combos, world, client, persona="charlie")
    if route.tenant_params:
        _assert_writes_denied(route, combos, world, client, persona="bob")


def _assert_writes_denied(
    route: Route, combos: list[dict[str, Any]], world: World, client: Client, *, persona: str
) -> None:
    client.force_login(world.personas[persona])
    methods = WRITE_METHODS if route.pattern.startswith("api/") else ("post",)
    # A denied request on A's objects changes nothing at all; a request without A's
    # identifiers may change the user's own data (e.g. their language) but not A's.
    fingerprint = (
        rows_written if route.tenant_params else (lambda: establishment_fingerprint(world))
    )
    for values, method in itertools.product(combos, methods):
        url = route.build(values)
        before = fingerprint()
        response = _request(client, method, url)
        assert response.status_code < 500, f"{method.upper()} {url} crashed"
        if route.tenant_params:
            assert _is_denied(route, response) or response.status_code == 400, (
                f"{persona} {method.upper()} {url}: {response.status_code}"
            )
        assert fingerprint() == before, f"{persona} {method.upper()} {url} changed A's data"


def _reachable(route: Route, combos: list[dict[str, Any]], world: World) -> list[dict[str, Any]]:
    """Positive control: the combinations that A's referent or the operator administrator
    reach. The route must reach A's objects with at least one (so the substitution really
    targets them); the denial checks then run on those. A write-only route (405 on GET)
    keeps every combination."""
    if route.pattern.startswith("admin/") or not combos:
        return combos
    statuses: dict[int, int] = {}
    for persona in ("alice", "operator_admin"):
        client = Client()
        client.force_login(world.personas[persona])
        for index, values in enumerate(combos):
            status = client.get(route.build(values)).status_code
            statuses[index] = min(statuses.get(index, 999), status)
    if set(statuses.values()) == {405}:
        return combos
    reachable = [combos[i] for i, status in statuses.items() if status < 400]
    assert reachable, (
        f"{route.pattern}: no persona reaches A's objects ({sorted(set(statuses.values()))}); "
        "the test's parameter substitution does not match this route"
    )
    return reachable
