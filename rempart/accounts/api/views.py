"""API views of the accounts app."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import viewsets

from rempart.accounts.api.serializers import UserOutputSerializer
from rempart.accounts.models import User
from rempart.accounts.selectors import user_list


class UserViewSet(viewsets.ReadOnlyModelViewSet[User]):
    """Users visible to the caller (members of their establishments, staff, themselves)."""

    scope_module = "tenancy"
    serializer_class = UserOutputSerializer
    lookup_field = "email"
    lookup_value_regex = r"[^/]+"
    filterset_fields = ["is_active"]

    def get_queryset(self) -> QuerySet[User]:
        return user_list(user=self.request.user).order_by("email")
