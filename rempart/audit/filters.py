"""Filters of the audit log, shared by the UI list and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from rempart.audit.models import AuditEntry
from rempart.core.forms import DateInput


class AuditEntryFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    verb = django_filters.CharFilter(
        field_name="verb", lookup_expr="startswith", label=_("Action starts with")
    )
    actor = django_filters.CharFilter(
        field_name="actor_label", lookup_expr="icontains", label=_("Actor")
    )
    establishment = django_filters.CharFilter(
        field_name="establishment__slug", label=_("Establishment")
    )
    since = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("From"), widget=DateInput()
    )
    until = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("To"), widget=DateInput()
    )

    class Meta:
        model = AuditEntry
        fields = ["verb", "actor", "establishment", "since", "until"]
