"""The tenant choke point for API views: querysets always come from `visible_to`."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from rest_framework import exceptions

from rempart.core.actions import Action

ACTION_FOR_METHOD: dict[str, Action] = {
    "GET": Action.VIEW,
    "HEAD": Action.VIEW,
    "OPTIONS": Action.VIEW,
    "POST": Action.CHANGE,
    "PUT": Action.CHANGE,
    "PATCH": Action.CHANGE,
    "DELETE": Action.DELETE,
}


class TenantScopedViewSetMixin:
    """`get_queryset` returns `model.objects.visible_to(user, action=…)` for the method.

    Unmapped methods answer 405. Objects outside the user's reach are simply not in the
    queryset, so they answer 404 like objects that do not exist.
    """

    queryset_model: ClassVar[Any]
    action_overrides: ClassVar[dict[str, Action]] = {}
    request: Any

    def required_action(self) -> Action:
        method = self.request.method.upper()
        if method not in ACTION_FOR_METHOD:
            raise exceptions.MethodNotAllowed(method)
        view_action = getattr(self, "action", None)
        return self.action_overrides.get(view_action or "", ACTION_FOR_METHOD[method])

    def get_queryset(self) -> QuerySet[Any]:
        return self.scoped_queryset(self.queryset_model.objects.all())

    def scoped_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        scoped: QuerySet[Any] = queryset.visible_to(  # type: ignore[attr-defined]
            self.request.user, action=self.required_action()
        )
        return scoped
