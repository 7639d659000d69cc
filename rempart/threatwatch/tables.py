"""The vulnerability catalog's lists as tables (shared reference data, not tenant-scoped)."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from rempart.core.tables import WIDE, DateColumn, RempartTable

TITLE_SHOWN = 140  # characters of a description shown when a CVE has no title


class CveTable(RempartTable):
    cve_id = tables.Column(verbose_name="CVE")
    title = tables.Column(verbose_name=_("Title"), orderable=False, empty_values=(), attrs=WIDE)
    cvss_score = tables.Column(verbose_name="CVSS")
    epss_percentile = tables.Column(verbose_name="EPSS")
    published = DateColumn(verbose_name=_("Published"))

    export_name = "cve"

    class Meta(RempartTable.Meta):
        empty_text = _("No vulnerability matches.")

    def render_cve_id(self, record: Any) -> Any:
        link = format_html(
            '<a href="{}">{}</a>',
            reverse("threatwatch:cve_detail", args=[record.cve_id]),
            record.cve_id,
        )
        kev = render_to_string(
            "threatwatch/partials/_kev.html", {"known_exploited": record.known_exploited}
        )
        rejected = (
            format_html(' <span class="badge text-bg-secondary">{}</span>', _("rejected"))
            if record.state == "rejected"
            else ""
        )
        return format_html("{} {}{}", link, kev, rejected)

    def value_cve_id(self, record: Any) -> str:
        return str(record.cve_id)

    def render_title(self, record: Any) -> Any:
        text = str(record.title or record.description)
        shown = text if len(text) <= TITLE_SHOWN else text[: TITLE_SHOWN - 1] + "…"
        return format_html('<span lang="en">{}</span>', shown)  # the source's own words

    def value_title(self, record: Any) -> str:
        return str(record.title or record.description)

    def render_epss_percentile(self, value: float) -> str:
        return f"{value:.2f}".replace(".", ",")
