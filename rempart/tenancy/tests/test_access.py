"""The access module: who sees and changes which establishment."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from rempart.core.actions import Action
from rempart.tenancy import access
from rempart.tenancy.models import Establishment, Site
from rempart.tenancy.tests.factories import EstablishmentFactory, SiteFactory

pytestmark = pytest.mark.django_db


def _slugs(user: Any, action: Action = Action.VIEW) -> set[str]:
    return set(access.establishments_for(user, action=action).values_list("slug", flat=True))


def test_members_see_only_their_establishment(personas: dict[str, Any]) -> None:
    assert _slugs(personas["alice"]) == {"ch-alpha"}
    assert _slugs(personas["bob"]) == {"ch-alpha"}
    assert _slugs(personas["charlie"]) == {"ehpad-bravo"}


def test_roles_decide_the_actions(personas: dict[str, Any]) -> None:
    assert _slugs(personas["alice"], Action.MANAGE) == {"ch-alpha"}
    assert _slugs(personas["bob"], Action.CHANGE) == set()
    assert _slugs(personas["bob"], Action.DELETE) == set()


def test_operator_perimeters(personas: dict[str, Any], operator: Any) -> None:
    # given an establishment created after the staff assignments
    EstablishmentFactory(operator=operator, slug="ch-new")
    # then the admin sees all, the analyst only the GHT
    assert _slugs(personas["operator_admin"]) == {"ch-alpha", "ehpad-bravo", "ch-new"}
    assert _slugs(personas["analyst"]) == {"ch-alpha"}
    assert _slugs(personas["analyst"], Action.MANAGE) == set()
    assert access.is_operator_admin(personas["operator_admin"])
    assert not access.is_operator_admin(personas["analyst"])
    assert access.is_operator_staff(personas["analyst"])


def test_deny_by_default(personas: dict[str, Any]) -> None:
    alice = personas["alice"]
    assert not access.establishments_for(AnonymousUser()).exists()
    assert not access.establishments_for(alice, action="fly").exists()  # type: ignore[arg-type]
    alice.is_active = False
    assert not access.establishments_for(alice).exists()


def test_inactive_establishment_hides_it_from_members(
    personas: dict[str, Any], establishment_a: Establishment
) -> None:
    Establishment.objects.filter(pk=establishment_a.pk).update(is_active=False)
    assert _slugs(personas["alice"]) == set()
    assert "ch-alpha" in _slugs(personas["operator_admin"])


def test_visible_to_filters_tenant_rows(
    personas: dict[str, Any], establishment_a: Any, establishment_b: Any
) -> None:
    site_a = SiteFactory(establishment=establishment_a)
    site_b = SiteFactory(establishment=establishment_b)
    assert list(Site.objects.visible_to(personas["alice"])) == [site_a]
    assert list(Site.objects.visible_to(personas["charlie"])) == [site_b]
    assert set(Site.objects.visible_to(personas["operator_admin"])) == {site_a, site_b}
    assert not Site.objects.visible_to(personas["bob"], action=Action.CHANGE).exists()


def test_visible_to_is_one_query(
    personas: dict[str, Any], establishment_a: Any, django_assert_num_queries: Any
) -> None:
    SiteFactory.create_batch(5, establishment=establishment_a)
    alice = personas["alice"]
    access.operator_assignment(alice)  # cached on the user object
    with django_assert_num_queries(1):
        assert len(list(Site.objects.visible_to(alice))) == 5
