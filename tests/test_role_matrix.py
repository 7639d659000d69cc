"""Role matrix: every write route for every role, against the one table of tests/role_matrix.py.

Beside the cross-establishment test (another establishment's users are always refused),
this one checks who, inside establishment A and the regional team, may write: the
referent, the DPO, a contributor, a viewer, the operator administrator and an operator
analyst whose perimeter holds A. Each write is sent as each role, in a savepoint rolled
back afterwards so that every role meets the same objects. An allowed role must pass the
access check (any answer but 403/404/405 or a sign-in page); a denied role must get 403 or
404 and write nothing at all (the cross-establishment test's write detection). Routes that
the table does not list must refuse every write method with 405. docs/tenancy.md's role
tables are generated from the same table.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from rempart.core.actions import Action
from rempart.tenancy.access import OPERATOR_ROLE_ACTIONS, ROLE_ACTIONS
from tests import role_matrix as table
from tests.tenant_world import (
    PAYLOAD,
    Route,
    World,
    build_world,
    discover_routes,
    rows_written,
)

ROUTES = {route.name: route for route in discover_routes()}
SIGN_IN_PAGES = ("/admin/login/", "/accounts/login/", "/accounts/reauthenticate/")
API_WRITES = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def world(personas: dict[str, Any], establishment_a: Any, establishment_b: Any, ght: Any) -> World:
    return build_world(personas, establishment_a, establishment_b, ght)


@pytest.fixture
def roles(world: World, establishment_a: Any) -> dict[str, Any]:
    from rempart.accounts.tests.factories import UserFactory
    from rempart.tenancy.models import Membership

    def member(role: str, email: str) -> Any:
        user = UserFactory(email=email)
        Membership.objects.create(user=user, establishment=establishment_a, role=role)
        return user

    people = world.personas
    return {
        "referent": people["alice"],
        "dpo": member("dpo", "dora@ch-alpha.example.org"),
        "contributor": member("contributor", "carl@ch-alpha.example.org"),
        "viewer": people["bob"],
        "operator_admin": people["operator_admin"],
        "operator_analyst": people["analyst"],
    }


def _url(write: table.Write, world: World, target: Any) -> str:
    route = ROUTES[write.route]
    values: dict[str, Any] = {"establishment": world.a.slug, **write.values}
    if "public_id" in route.params:
        values["public_id"] = target.public_id
    return route.build(values)


def _send(client: Client, write: table.Write, url: str, world: World) -> Any:
    body = {**PAYLOAD, **table.body_of(write, world)}
    method = write.method.lower()
    if url.startswith("/api/"):
        return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")
    return client.post(url, data=body)


def _outcome(response: Any) -> str:
    status = response.status_code
    if status >= 500:
        return "crash"
    if status in (403, 404) or (status == 302 and response["Location"].startswith(SIGN_IN_PAGES)):
        return "denied"
    if status == 405:
        return "method not allowed"
    return "allowed"


def _attempt(user: Any, write: table.Write, world: World, target: Any) -> tuple[str, int, int]:
    """Send `write` as `user` inside a savepoint rolled back afterwards: (outcome, status,
    rows written)."""
    savepoint = transaction.savepoint()
    try:
        client = Client()
        client.force_login(user)
        before = rows_written()
        response = _send(client, write, _url(write, world, target), world)
        return _outcome(response), response.status_code, rows_written() - before
    finally:
        transaction.savepoint_rollback(savepoint)


def _target(write: table.Write, world: World, user: Any) -> Any:
    if write.target is None:
        return None
    if write.need == table.OWN:  # the acting person's own object (an API token)
        from rempart.accounts.services import api_token_create

        return api_token_create(user=user, name="own", scopes=["tenancy:read"]).obj
    return world.first(write.target)


@pytest.mark.parametrize("write", table.WRITES, ids=[w.key for w in table.WRITES])
def test_each_role_gets_the_expected_answer(
    write: table.Write, world: World, roles: dict[str, Any]
) -> None:
    assert write.route in ROUTES, f"{write.key}: no such route (table out of date)"
    wrong = []
    for role, user in roles.items():
        outcome, status, written = _attempt(user, write, world, _target(write, world, user))
        allowed = table.expected(write, role)
        if outcome != ("allowed" if allowed else "denied"):
            wrong.append(f"{role}: {status} ({'may' if allowed else 'may not'})")
        elif not allowed and written:
            wrong.append(f"{role}: denied with {status} but wrote {written} rows")
    assert not wrong, f"{write.key}: " + "; ".join(wrong)


def test_nobody_writes_on_anothers_own_object(world: World, roles: dict[str, Any]) -> None:
    """OWN routes (an API token): every role is refused on somebody else's object."""
    from rempart.accounts.services import api_token_create

    for write in (w for w in table.WRITES if w.need == table.OWN):
        foreign = api_token_create(user=world.outsider, name="x", scopes=["tenancy:read"]).obj
        for role, user in roles.items():
            outcome, status, written = _attempt(user, write, world, foreign)
            assert (outcome, written) == ("denied", 0), f"{write.key} as {role}: {status}"


def _unlisted_methods(route: Route) -> list[str]:
    listed = {w.method for w in table.WRITES if w.route == route.name}
    methods = API_WRITES if route.pattern.startswith("api/") else ("POST",)
    return [m for m in methods if m not in listed]


def _own_routes() -> list[Route]:
    independent = tuple(table.ROLE_INDEPENDENT)
    return [r for r in ROUTES.values() if not r.pattern.startswith(independent)]


def test_routes_missing_from_the_table_refuse_every_write(
    world: World, roles: dict[str, Any]
) -> None:
    """A route that accepts a write must be in the table: the others answer 405 to the
    operator administrator, who may do the most."""
    client = Client()
    client.force_login(roles["operator_admin"])
    accepting = []
    for route in _own_routes():
        # The 405 comes before any lookup: any value of the right shape does.
        values = {param: ([*world.candidates(param), 1])[0] for param in route.params}
        url = route.build(values)
        for method in _unlisted_methods(route):
            response = getattr(client, method.lower())(url)
            if response.status_code != 405:
                accepting.append(f"{method} /{route.pattern}: {response.status_code}")
    assert not accepting, "write routes missing from tests/role_matrix.py: " + ", ".join(accepting)


def test_the_table_agrees_with_the_access_module() -> None:
    """`MAY` (what the docs say) and ROLE_ACTIONS / OPERATOR_ROLE_ACTIONS (what the code
    reads) give every role the same actions."""
    staff = {"operator_admin": "admin", "operator_analyst": "analyst"}
    for action in Action:
        code = {role for role, actions in ROLE_ACTIONS.items() if action in actions} | {
            role for role, key in staff.items() if action in OPERATOR_ROLE_ACTIONS[key]
        }
        assert code == set(table.MAY[action.value]), action


def test_docs_are_generated_from_the_table() -> None:
    text = table.DOCS.read_text()
    expected = table.render_docs(table.route_patterns())
    assert table.docs_block(text) == expected, (
        "docs/tenancy.md differs from tests/role_matrix.py: run "
        "`.venv/bin/python tests/role_matrix.py --write`"
    )
