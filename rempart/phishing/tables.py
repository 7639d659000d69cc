"""The phishing lists as tables: campaigns (with their pseudonymous funnel), recipient groups,
e-mail templates. Campaign results are never exported from the list: the campaign's own
results export applies the pseudonymity rules."""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from rempart.core.tables import WIDE, DateColumn, RempartTable
from rempart.phishing.choices import CampaignStatus, Difficulty
from rempart.phishing.models import Campaign, EmailTemplate, RecipientGroup
from rempart.phishing.results import stats

RATE = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


def _link(route: str, establishment: Any, public_id: Any, text: Any) -> Any:
    return format_html(
        '<a href="{}">{}</a>', reverse(route, args=[establishment.slug, public_id]), text
    )


class CampaignFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    status = django_filters.ChoiceFilter(choices=CampaignStatus.choices, label=_("Status"))
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search"))

    class Meta:
        model = Campaign
        fields = ["status", "q"]


class GroupFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search"))

    class Meta:
        model = RecipientGroup
        fields = ["q"]


class TemplateFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    difficulty = django_filters.ChoiceFilter(choices=Difficulty.choices, label=_("Difficulty"))

    class Meta:
        model = EmailTemplate
        fields = ["q", "difficulty"]

    def filter_text(self, queryset: QuerySet[EmailTemplate], name: str, value: str) -> Any:
        return queryset.filter(Q(name__icontains=value) | Q(subject__icontains=value))


class EstablishmentTable(RempartTable):
    """A table whose links are addresses of one establishment."""

    def __init__(self, *args: Any, establishment: Any, **kwargs: Any) -> None:
        self.establishment = establishment
        super().__init__(*args, **kwargs)


class CampaignTable(EstablishmentTable):
    """The funnel of the shown page is read in two queries (`stats.campaigns_compared`);
    rates of fewer than 5 people are never shown."""

    name = tables.Column(verbose_name=_("Campaign"), attrs=WIDE)
    status = tables.Column(verbose_name=_("Status"))
    sent = tables.Column(verbose_name=_("Sent"), orderable=False, empty_values=(), attrs=RATE)
    clicked = tables.Column(
        verbose_name=_("Clicked (confirmed)"), orderable=False, empty_values=(), attrs=RATE
    )
    submitted = tables.Column(
        verbose_name=_("Submitted"), orderable=False, empty_values=(), attrs=RATE
    )
    reported = tables.Column(
        verbose_name=_("Reported"), orderable=False, empty_values=(), attrs=RATE
    )
    created_at = DateColumn(verbose_name=_("Created"))

    class Meta(EstablishmentTable.Meta):
        empty_text = _("No campaign yet.")

    def before_render(self, request: Any) -> None:
        records = [row.record for row in self.page] if self.page else []
        self.funnels = {c.pk: funnel for c, funnel in stats.campaigns_compared(records)}

    def render_name(self, record: Any) -> Any:
        return _link("phishing:campaign_detail", self.establishment, record.public_id, record.name)

    def render_status(self, record: Any) -> Any:
        return format_html(
            '<span class="badge text-bg-secondary">{}</span>', record.get_status_display()
        )

    def render_sent(self, record: Any) -> Any:
        return self.funnels[record.pk].sent

    def _rate(self, record: Any, stage: str) -> Any:
        funnel = self.funnels[record.pk]
        if funnel.suppressed:
            return format_html('<span class="text-muted">{}</span>', _("fewer than 5 people"))
        return format_html("{}&nbsp;%", funnel.rates[stage])

    def render_clicked(self, record: Any) -> Any:
        return self._rate(record, "clicked")

    def render_submitted(self, record: Any) -> Any:
        return self._rate(record, "submitted")

    def render_reported(self, record: Any) -> Any:
        return self._rate(record, "reported")


class GroupTable(EstablishmentTable):
    name = tables.Column(verbose_name=_("Group"), attrs=WIDE)
    description = tables.Column(verbose_name=_("Description"), orderable=False, attrs=WIDE)
    recipient_count = tables.Column(verbose_name=_("Recipients"), attrs=RATE)

    export_name = "groupes-destinataires"

    class Meta(EstablishmentTable.Meta):
        empty_text = _("No group yet.")

    def render_name(self, record: Any) -> Any:
        return _link("phishing:group_detail", self.establishment, record.public_id, record.name)

    def value_name(self, record: Any) -> str:
        return str(record.name)

    def render_description(self, value: str) -> str:
        return value if len(value) <= 100 else value[:99] + "…"  # noqa: PLR2004


class TemplateTable(EstablishmentTable):
    name = tables.Column(verbose_name=_("Template"), attrs=WIDE)
    subject = tables.Column(verbose_name=_("Subject"), attrs=WIDE)
    difficulty = tables.Column(verbose_name=_("Difficulty"))
    premise_alignment = tables.Column(verbose_name=_("Premise alignment"))

    export_name = "modeles-courriel"

    class Meta(EstablishmentTable.Meta):
        empty_text = _("No template yet.")

    def render_name(self, record: Any) -> Any:
        return _link("phishing:template_preview", self.establishment, record.public_id, record.name)

    def value_name(self, record: Any) -> str:
        return str(record.name)

    def render_difficulty(self, record: Any) -> str:
        return str(record.get_difficulty_display())

    def render_premise_alignment(self, record: Any) -> str:
        return str(record.get_premise_alignment_display())
