"""The webhook deliveries as a table, and its filters."""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from rempart.core.tables import WIDE, DateTimeColumn, RempartTable
from rempart.webhooks.choices import DeliveryState
from rempart.webhooks.models import WebhookDelivery

BADGES = {DeliveryState.DELIVERED: "text-bg-success", DeliveryState.FAILED: "text-bg-danger"}
NUMBER = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


class DeliveryFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    state = django_filters.ChoiceFilter(choices=DeliveryState.choices, label=_("State"))
    event = django_filters.CharFilter(lookup_expr="startswith", label=_("Event"))

    class Meta:
        model = WebhookDelivery
        fields = ["state", "event"]


class DeliveryTable(RempartTable):
    created_at = DateTimeColumn(verbose_name=_("Created"))
    endpoint = tables.Column(verbose_name=_("Webhook"), order_by=("endpoint__name",), attrs=WIDE)
    event = tables.Column(verbose_name=_("Event"))
    state = tables.Column(verbose_name=_("State"))
    attempts = tables.Column(verbose_name=_("Attempts"), attrs=NUMBER)
    last_status_code = tables.Column(verbose_name=_("Status code"), attrs=NUMBER)
    last_error = tables.Column(verbose_name=_("Last error"), orderable=False, attrs=WIDE)
    next_attempt_at = tables.Column(
        verbose_name=_("Next attempt"), orderable=False, empty_values=()
    )
    retry = tables.TemplateColumn(
        template_name="webhooks/partials/_retry.html",
        verbose_name="",
        orderable=False,
        exclude_from_export=True,
    )

    export_name = "livraisons-webhooks"

    class Meta(RempartTable.Meta):
        empty_text = _("No delivery yet.")

    def render_endpoint(self, value: Any) -> str:
        return str(value.name)

    def render_event(self, value: str) -> Any:
        return format_html("<code>{}</code>", value)

    def value_event(self, value: str) -> str:
        return value

    def render_state(self, record: Any) -> Any:
        return format_html(
            '<span class="badge {}">{}</span>',
            BADGES.get(record.state, "text-bg-secondary"),
            record.get_state_display(),
        )

    def value_state(self, record: Any) -> str:
        return str(record.get_state_display())

    def render_next_attempt_at(self, record: Any) -> Any:
        if record.state == DeliveryState.PENDING and record.next_attempt_at:
            return DateTimeColumn().render(record.next_attempt_at)
        if record.delivered_at:
            when = DateTimeColumn().render(record.delivered_at)
            return format_html("{} {}", _("delivered"), when)
        return "—"

    def value_next_attempt_at(self, record: Any) -> Any:
        return record.next_attempt_at if record.state == DeliveryState.PENDING else None
