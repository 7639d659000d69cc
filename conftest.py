"""Shared fixtures: the personas of the cross-establishment tests.

- `operator_admin` (olivia): the regional team's administrator, all establishments;
- `analyst` (olga): operator analyst whose perimeter is the GHT holding establishment A;
- `alice`: referent of establishment A; `bob`: viewer of A;
- `charlie`: referent of establishment B (another establishment, outside the GHT).
Operator staff have a TOTP authenticator (MFA is mandatory for them); its secret is
`TOTP_SECRET`.
"""

from __future__ import annotations

from typing import Any

import pytest

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def operator(db: Any) -> Any:
    from rempart.tenancy.tests.factories import OperatorFactory

    return OperatorFactory()


@pytest.fixture
def ght(operator: Any) -> Any:
    from rempart.tenancy.tests.factories import GroupFactory

    return GroupFactory(operator=operator, name="GHT Test", code="ght-test")


@pytest.fixture
def establishment_a(operator: Any, ght: Any) -> Any:
    from rempart.tenancy.tests.factories import EstablishmentFactory

    return EstablishmentFactory(operator=operator, group=ght, name="CH Alpha", slug="ch-alpha")


@pytest.fixture
def establishment_b(operator: Any) -> Any:
    from rempart.tenancy.tests.factories import EstablishmentFactory

    return EstablishmentFactory(
        operator=operator, name="EHPAD Bravo", slug="ehpad-bravo", category="ehpad"
    )


def _member(establishment: Any, role: str, email: str) -> Any:
    from rempart.accounts.tests.factories import UserFactory
    from rempart.tenancy.models import Membership

    user = UserFactory(email=email)
    Membership.objects.create(user=user, establishment=establishment, role=role)
    return user


def give_totp(user: Any) -> Any:
    from allauth.mfa.totp.internal.auth import TOTP

    return TOTP.activate(user, TOTP_SECRET)


def _staff(operator: Any, role: str, email: str, groups: list[Any] | None = None) -> Any:
    from rempart.accounts.tests.factories import UserFactory
    from rempart.tenancy.models import OperatorAssignment

    user = UserFactory(email=email)
    assignment = OperatorAssignment.objects.create(
        user=user, operator=operator, role=role, all_establishments=not groups
    )
    assignment.groups.set(groups or [])
    give_totp(user)
    return user


@pytest.fixture
def alice(establishment_a: Any) -> Any:
    return _member(establishment_a, "referent", "alice@ch-alpha.example.org")


@pytest.fixture
def bob(establishment_a: Any) -> Any:
    return _member(establishment_a, "viewer", "bob@ch-alpha.example.org")


@pytest.fixture
def charlie(establishment_b: Any) -> Any:
    return _member(establishment_b, "referent", "charlie@ehpad-bravo.example.org")


@pytest.fixture
def operator_admin(operator: Any) -> Any:
    return _staff(operator, "admin", "olivia@grades.example.org")


@pytest.fixture
def analyst(operator: Any, ght: Any) -> Any:
    return _staff(operator, "analyst", "olga@grades.example.org", groups=[ght])


@pytest.fixture
def personas(
    alice: Any, bob: Any, charlie: Any, operator_admin: Any, analyst: Any
) -> dict[str, Any]:
    return {
        "alice": alice,
        "bob": bob,
        "charlie": charlie,
        "operator_admin": operator_admin,
        "analyst": analyst,
    }


@pytest.fixture(autouse=True)
def _fresh_rule_index() -> Any:
    """Each test builds its own catalog: drop the process-wide lookup index around it."""
    from rempart.threatwatch.index import invalidate_shared_index

    invalidate_shared_index()
    yield
    invalidate_shared_index()


@pytest.fixture(autouse=True)
def _default_language() -> None:
    """Each test starts in the default language (French): a request of an earlier test made
    with `Accept-Language: en` leaves English active in the thread otherwise."""
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_tracking_caches() -> Any:
    """Tracking hits keep campaign-wide objects a few seconds per process: none leaks from a
    test into the next (ids are reused after a rollback)."""
    from rempart.phishing.tracking.hits import caches_clear

    caches_clear()
    yield
    caches_clear()


@pytest.fixture(autouse=True)
def _audit_log_reset_for_transactional_tests(request: Any) -> Any:
    """Let pytest-django empty the database after a transactional test.

    The audit log refuses DELETE and TRUNCATE (triggers); tests that commit (live server,
    worker processes) end with a flush of every table. Before that flush, this fixture
    removes the committed audit rows with the triggers briefly dropped, then restores them.
    """
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in request.fixturenames
        or "live_server" in (request.fixturenames)
        or bool(marker and marker.kwargs.get("transaction"))
    )
    if transactional:
        from tests.audit_reset import empty_audit_log

        empty_audit_log()
