"""Filters of the scanning lists (findings and assets are shared with the API)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rempart.scanning.choices import (
    ACTIVE_STATUSES,
    AssetClass,
    Criticality,
    FindingStatus,
    Policy,
    ScanSource,
    ScanStatus,
    Severity,
)
from rempart.scanning.models import Asset, Finding, Scan, Scope


class FindingFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    status = django_filters.MultipleChoiceFilter(choices=FindingStatus.choices, label=_("Status"))
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices, label=_("Severity"))
    check = django_filters.CharFilter(field_name="check_id", label=_("Check"))
    asset_class = django_filters.ChoiceFilter(
        field_name="asset__asset_class", choices=AssetClass.choices, label=_("Asset class")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    active = django_filters.BooleanFilter(method="filter_active", label=_("Open only"))

    class Meta:
        model = Finding
        fields = ["status", "severity", "check", "asset_class", "overdue", "q", "active"]

    def filter_overdue(self, queryset: QuerySet[Finding], name: str, value: Any) -> Any:
        if value:
            return queryset.filter(status__in=ACTIVE_STATUSES, due_at__lt=timezone.now())
        return queryset

    def filter_active(self, queryset: QuerySet[Finding], name: str, value: Any) -> Any:
        return queryset.filter(status__in=ACTIVE_STATUSES) if value else queryset

    def filter_text(self, queryset: QuerySet[Finding], name: str, value: str) -> Any:
        return queryset.filter(
            Q(title__icontains=value)
            | Q(title_fr__icontains=value)
            | Q(asset__address__startswith=value)
            | Q(check_id__icontains=value)
            | Q(cves__icontains=value)
            | Q(product__icontains=value)
        )


class AssetFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    asset_class = django_filters.ChoiceFilter(choices=AssetClass.choices, label=_("Class"))
    # Declared with a lazy label: one generated from the model is text in the language active
    # when the module was first imported.
    criticality = django_filters.ChoiceFilter(choices=Criticality.choices, label=_("Criticality"))
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))

    class Meta:
        model = Asset
        fields = ["asset_class", "criticality", "q"]

    def filter_text(self, queryset: QuerySet[Asset], name: str, value: str) -> Any:
        return queryset.filter(
            Q(address__startswith=value)
            | Q(name__icontains=value)
            | Q(hostnames__icontains=value)
            | Q(os_guess__icontains=value)
        )


class ScanFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    status = django_filters.ChoiceFilter(choices=ScanStatus.choices, label=_("Status"))
    policy = django_filters.ChoiceFilter(choices=Policy.choices, label=_("Policy"))
    source = django_filters.ChoiceFilter(choices=ScanSource.choices, label=_("Source"))
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))

    class Meta:
        model = Scan
        fields = ["status", "policy", "source", "q"]

    def filter_text(self, queryset: QuerySet[Scan], name: str, value: str) -> Any:
        return queryset.filter(Q(scope__name__icontains=value) | Q(targets__icontains=value))


class ScopeFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Scope
        fields = ["q", "is_active"]

    def filter_text(self, queryset: QuerySet[Scope], name: str, value: str) -> Any:
        return queryset.filter(Q(name__icontains=value) | Q(targets__icontains=value))
