"""The establishments and members lists as tables, and their filters."""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from rempart.core.tables import WIDE, RempartTable
from rempart.tenancy.choices import EstablishmentCategory, MemberRole
from rempart.tenancy.models import Establishment, Membership


class EstablishmentFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    category = django_filters.ChoiceFilter(
        choices=EstablishmentCategory.choices, label=_("Category")
    )

    class Meta:
        model = Establishment
        fields = ["q", "category"]

    def filter_text(self, queryset: QuerySet[Establishment], name: str, value: str) -> Any:
        return queryset.filter(
            Q(name__icontains=value)
            | Q(finess_et__startswith=value)
            | Q(city__icontains=value)
            | Q(group__name__icontains=value)
        )


class EstablishmentTable(RempartTable):
    name = tables.Column(verbose_name=_("Name"), attrs=WIDE)
    category = tables.Column(verbose_name=_("Category"))
    finess_et = tables.Column(verbose_name=_("FINESS ET"))
    group = tables.Column(verbose_name=_("Group"), order_by=("group__name",))
    city = tables.Column(verbose_name=_("City"))

    export_name = "etablissements"

    class Meta(RempartTable.Meta):
        empty_text = _("No establishment.")

    def render_name(self, record: Any) -> Any:
        url = reverse("dashboard:establishment", args=[record.slug])
        return format_html('<a href="{}">{}</a>', url, record.name)

    def value_name(self, record: Any) -> str:
        return str(record.name)

    def render_category(self, record: Any) -> str:
        return str(record.get_category_display())

    def render_group(self, value: Any) -> str:
        return str(value.name)


class MembershipFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    role = django_filters.ChoiceFilter(choices=MemberRole.choices, label=_("Role"))

    class Meta:
        model = Membership
        fields = ["q", "role"]

    def filter_text(self, queryset: QuerySet[Membership], name: str, value: str) -> Any:
        return queryset.filter(
            Q(user__full_name__icontains=value) | Q(user__email__icontains=value)
        )


class MembershipTable(RempartTable):
    """Members of one establishment; no export (names and e-mail addresses of people)."""

    name = tables.Column(verbose_name=_("Name"), accessor="user__full_name", attrs=WIDE)
    email = tables.Column(verbose_name=_("E-mail"), accessor="user__email", attrs=WIDE)
    role = tables.TemplateColumn(
        template_name="tenancy/partials/_member_role.html", verbose_name=_("Role")
    )
    remove = tables.TemplateColumn(
        template_name="tenancy/partials/_member_remove.html",
        verbose_name=_("Actions"),
        orderable=False,
    )

    class Meta(RempartTable.Meta):
        empty_text = _("No member yet.")

    def __init__(self, *args: Any, can_manage: bool, **kwargs: Any) -> None:
        if not can_manage:
            kwargs["exclude"] = ("remove",)
        super().__init__(*args, **kwargs)
