"""Tenancy services: rights, validation with clear errors, audit of every change."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from rempart.audit.models import AuditEntry
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.tenancy import services
from rempart.tenancy.models import Establishment, Membership

pytestmark = pytest.mark.django_db

NEW = {
    "name": "CH Charlie",
    "finess_et": "750803447",
    "finess_ej": "750712184",
    "category": "ch",
    "city": "Paris",
}


def test_admin_creates_an_establishment_with_audit(personas: dict[str, Any], operator: Any) -> None:
    # when
    created = services.establishment_create(
        actor=personas["operator_admin"], operator=operator, data=NEW, ip_address="10.1.2.3"
    )
    # then
    assert created.slug == "ch-charlie"
    entry = AuditEntry.objects.get(verb="tenancy.establishment.created")
    assert entry.establishment_id == created.pk
    assert entry.actor_id == personas["operator_admin"].pk
    assert entry.ip_address == "10.1.2.3"
    assert entry.changes["finess_et"] == "750803447"


@pytest.mark.parametrize("persona", ["analyst", "alice", "charlie"])
def test_only_admins_create_establishments(
    personas: dict[str, Any], operator: Any, persona: str
) -> None:
    count = Establishment.objects.count()
    with pytest.raises(PermissionDeniedError):
        services.establishment_create(actor=personas[persona], operator=operator, data=NEW)
    assert Establishment.objects.count() == count


def test_duplicate_finess_is_refused_clearly(
    personas: dict[str, Any], operator: Any, establishment_a: Any
) -> None:
    audit_count = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.establishment_create(
            actor=personas["operator_admin"],
            operator=operator,
            data={**NEW, "finess_et": establishment_a.finess_et},
        )
    assert "finess_et" in caught.value.message_dict
    assert "existe déjà" in caught.value.message_dict["finess_et"][0]
    assert AuditEntry.objects.count() == audit_count


def test_invalid_finess_is_refused_clearly(personas: dict[str, Any], operator: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.establishment_create(
            actor=personas["operator_admin"],
            operator=operator,
            data={**NEW, "finess_et": "750803448"},
        )
    assert "clé de contrôle" in caught.value.message_dict["finess_et"][0]
    assert not Establishment.objects.filter(name="CH Charlie").exists()


def test_update_records_changed_fields(personas: dict[str, Any], establishment_a: Any) -> None:
    services.establishment_update(
        actor=personas["alice"],
        establishment=establishment_a,
        data={"city": "Versailles", "require_mfa": True},
    )
    entry = AuditEntry.objects.get(verb="tenancy.establishment.updated")
    assert entry.changes == {"city": ["", "Versailles"], "require_mfa": [False, True]}


def test_referent_cannot_move_the_establishment_to_another_group(
    personas: dict[str, Any], establishment_a: Any
) -> None:
    with pytest.raises(PermissionDeniedError):
        services.establishment_update(
            actor=personas["alice"], establishment=establishment_a, data={"group": None}
        )
    establishment_a.refresh_from_db()
    assert establishment_a.group is not None


def test_viewer_cannot_change(personas: dict[str, Any], establishment_a: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.establishment_update(
            actor=personas["bob"], establishment=establishment_a, data={"city": "Ailleurs"}
        )


def test_membership_management(personas: dict[str, Any], establishment_a: Any) -> None:
    bob_membership = Membership.objects.get(user=personas["bob"], establishment=establishment_a)
    services.membership_set(
        user=personas["bob"],
        establishment=establishment_a,
        role="contributor",
        actor=personas["alice"],
    )
    bob_membership.refresh_from_db()
    assert bob_membership.role == "contributor"
    with pytest.raises(PermissionDeniedError):
        services.membership_set(
            user=personas["charlie"],
            establishment=establishment_a,
            role="referent",
            actor=personas["bob"],
        )
    with pytest.raises(PermissionDeniedError):
        services.membership_remove(membership=bob_membership, actor=personas["charlie"])
    services.membership_remove(membership=bob_membership, actor=personas["alice"])
    assert not Membership.objects.filter(pk=bob_membership.pk).exists()
    verbs = list(AuditEntry.objects.order_by("seq").values_list("verb", flat=True))
    assert verbs[-2:] == ["tenancy.membership.updated", "tenancy.membership.deleted"]


def test_conflicting_group_code(personas: dict[str, Any], ght: Any) -> None:
    from rempart.tenancy.models import EstablishmentGroup

    duplicate = EstablishmentGroup(operator=ght.operator, name="Autre", code=ght.code)
    with pytest.raises((ValidationError, ApplicationError)):
        services.group_save(actor=personas["operator_admin"], group=duplicate)
