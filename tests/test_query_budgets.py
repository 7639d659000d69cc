"""List pages and list endpoints cost a bounded number of queries, whatever the row count."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rempart.audit.services import audit_record
from rempart.jobs.tests.factories import JobRunFactory
from rempart.tenancy.models import Membership
from rempart.tenancy.tests.factories import EstablishmentFactory, SiteFactory

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str, django_assert_max_num_queries: Any, budget: int) -> None:
    with django_assert_max_num_queries(budget):
        assert client.get(url).status_code == 200


@pytest.fixture
def crowded(personas: dict[str, Any], operator: Any, ght: Any, establishment_a: Any) -> None:
    from rempart.accounts.tests.factories import UserFactory

    for index in range(15):
        other = EstablishmentFactory(operator=operator, group=ght if index % 2 else None)
        Membership.objects.create(user=UserFactory(), establishment=other, role="viewer")
        SiteFactory(establishment=establishment_a)
        JobRunFactory(establishment=establishment_a)
        audit_record(actor=personas["alice"], verb="test.x", target=establishment_a)


@pytest.mark.parametrize(
    ("persona", "url", "budget"),
    [
        ("operator_admin", "/operator/", 9),  # + the threat-watch alerts panel
        ("operator_admin", "/e/", 8),
        ("alice", "/e/ch-alpha/", 14),
        # Tables (issue #10): one more access check for the page's actions than before.
        ("alice", "/e/ch-alpha/members/", 12),  # and the count of the now paginated members
        ("alice", "/e/ch-alpha/audit/", 11),
        ("alice", "/e/ch-alpha/jobs/", 10),
        ("operator_admin", "/operator/audit/", 8),
        ("operator_admin", "/api/v1/establishments/", 7),
        ("operator_admin", "/api/v1/memberships/", 7),
        ("operator_admin", "/api/v1/audit-entries/", 7),
        ("operator_admin", "/api/v1/users/", 7),
    ],
)
def test_list_query_budget(
    crowded: None,
    personas: dict[str, Any],
    persona: str,
    url: str,
    budget: int,
    django_assert_max_num_queries: Any,
) -> None:
    client = Client()
    client.force_login(personas[persona])
    client.get(url)  # warm caches that are per process, not per request
    _queries(client, url, django_assert_max_num_queries, budget)
