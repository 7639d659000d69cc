"""The jobs list as a table, and its filters."""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from rempart.core.tables import WIDE, DateTimeColumn, RempartTable
from rempart.core.templatetags.rempart import status_badge
from rempart.jobs.models import JobRun, JobStatus


class JobRunFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    status = django_filters.ChoiceFilter(choices=JobStatus.choices, label=_("Status"))
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("Search"))

    class Meta:
        model = JobRun
        fields = ["status", "q"]


class JobRunTable(RempartTable):
    title = tables.Column(verbose_name=_("Job"), attrs=WIDE)
    establishment = tables.Column(
        verbose_name=_("Establishment"), order_by=("establishment__name",)
    )
    status = tables.Column(verbose_name=_("Status"))
    percent = tables.Column(verbose_name=_("Progress"), orderable=False, empty_values=())
    created_at = DateTimeColumn(verbose_name=_("Started"))
    finished_at = DateTimeColumn(verbose_name=_("Finished"))

    export_name = "taches"

    class Meta(RempartTable.Meta):
        empty_text = _("No job yet.")

    def __init__(self, *args: Any, establishment: Any = None, **kwargs: Any) -> None:
        if establishment is not None:
            kwargs["exclude"] = ("establishment",)
        super().__init__(*args, **kwargs)

    def render_title(self, record: Any) -> Any:
        url = reverse("jobs:detail", args=[record.public_id])
        return format_html('<a href="{}">{}</a>', url, record.title)

    def value_title(self, record: Any) -> str:
        return str(record.title)

    def render_establishment(self, value: Any) -> str:
        return str(value.name)

    def render_status(self, record: Any) -> Any:
        return format_html(
            '<span class="badge text-bg-{}">{}</span>',
            status_badge(record.status),
            record.get_status_display(),
        )

    def value_status(self, record: Any) -> str:
        return str(record.get_status_display())

    def render_percent(self, record: Any) -> str:
        return f"{record.percent} %"

    def value_percent(self, record: Any) -> int:
        return int(record.percent)
