"""THE access module: which establishments a user may act on, and with which action.

Every read and write of tenant-owned data goes through `establishments_for` (via
`Model.objects.visible_to(user, action=…)`). Deny by default: an unknown user, an
inactive account or an unmapped action sees nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from rempart.core.actions import Action
from rempart.tenancy.choices import MemberRole, OperatorRole
from rempart.tenancy.models import (
    Establishment,
    EstablishmentGroup,
    Membership,
    OperatorAssignment,
)

ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    MemberRole.REFERENT: frozenset({Action.VIEW, Action.CHANGE, Action.DELETE, Action.MANAGE}),
    MemberRole.DPO: frozenset({Action.VIEW, Action.CHANGE}),
    MemberRole.CONTRIBUTOR: frozenset({Action.VIEW, Action.CHANGE}),
    MemberRole.VIEWER: frozenset({Action.VIEW}),
}
OPERATOR_ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    OperatorRole.ADMIN: frozenset({Action.VIEW, Action.CHANGE, Action.DELETE, Action.MANAGE}),
    OperatorRole.ANALYST: frozenset({Action.VIEW, Action.CHANGE, Action.DELETE}),
}


def _roles_allowing(table: dict[str, frozenset[Action]], action: Action) -> list[str]:
    return [role for role, actions in table.items() if action in actions]


def _is_active_user(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def operator_assignment(user: Any) -> OperatorAssignment | None:
    """The user's regional-team assignment, if any (cached on the user object)."""
    if not _is_active_user(user):
        return None
    if not hasattr(user, "_rempart_assignment"):
        user._rempart_assignment = (
            OperatorAssignment.objects.filter(user=user).select_related("operator").first()
        )
    assignment: OperatorAssignment | None = user._rempart_assignment
    return assignment


def establishments_for(user: Any, *, action: Action = Action.VIEW) -> QuerySet[Establishment]:
    """Establishments on which `user` may perform `action`; a subquery-friendly queryset."""
    if not _is_active_user(user) or action not in Action.values:
        return Establishment.objects.none()
    condition = Q(
        pk__in=_member_establishment_ids(user, action),
    )
    assignment = operator_assignment(user)
    if assignment and action in OPERATOR_ROLE_ACTIONS.get(assignment.role, frozenset()):
        if assignment.all_establishments:
            condition |= Q(operator_id=assignment.operator_id)
        else:
            condition |= Q(group__in=assignment.groups.all())
    return Establishment.objects.filter(condition)


def _member_establishment_ids(user: Any, action: Action) -> QuerySet[Any]:
    return Membership.objects.filter(
        user=user,
        role__in=_roles_allowing(ROLE_ACTIONS, action),
        establishment__is_active=True,
    ).values("establishment_id")


def can(user: Any, action: Action, establishment: Establishment) -> bool:
    """Whether `user` may perform `action` on `establishment`."""
    return establishments_for(user, action=action).filter(pk=establishment.pk).exists()


def is_operator_staff(user: Any) -> bool:
    return operator_assignment(user) is not None


def is_operator_admin(user: Any) -> bool:
    """Operator administrators manage establishments, groups, staff and the platform."""
    assignment = operator_assignment(user)
    return bool(
        assignment and assignment.role == OperatorRole.ADMIN and assignment.all_establishments
    )


def groups_for(user: Any) -> QuerySet[EstablishmentGroup]:
    """Groups the user may see: those holding a visible establishment, or in the perimeter."""
    if not _is_active_user(user):
        return EstablishmentGroup.objects.none()
    visible = establishments_for(user, action=Action.VIEW)
    condition = Q(establishments__in=visible)
    assignment = operator_assignment(user)
    if assignment and assignment.all_establishments:
        condition |= Q(operator_id=assignment.operator_id)
    elif assignment:
        condition |= Q(pk__in=assignment.groups.values("pk"))
    return EstablishmentGroup.objects.filter(condition).distinct()


def member_role(user: Any, establishment: Establishment) -> str | None:
    """The user's own membership role in `establishment`, if any."""
    if not _is_active_user(user):
        return None
    return (
        Membership.objects.filter(user=user, establishment=establishment)
        .values_list("role", flat=True)
        .first()
    )


def actions_on(user: Any, establishment: Establishment) -> frozenset[Action]:
    """Every action `user` may perform on `establishment` (for menus: one query at most)."""
    if not _is_active_user(user):
        return frozenset()
    role = member_role(user, establishment) if establishment.is_active else None
    actions = ROLE_ACTIONS.get(role or "", frozenset())
    assignment = operator_assignment(user)
    if assignment and _in_perimeter(assignment, establishment):
        actions |= OPERATOR_ROLE_ACTIONS.get(assignment.role, frozenset())
    return actions


def _in_perimeter(assignment: OperatorAssignment, establishment: Establishment) -> bool:
    if establishment.operator_id != assignment.operator_id:
        return False
    if assignment.all_establishments:
        return True
    return establishment.group_id is not None and (
        assignment.groups.filter(pk=establishment.group_id).exists()
    )
