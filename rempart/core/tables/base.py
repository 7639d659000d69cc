"""The base table every list uses."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

PER_PAGE_CHOICES = (25, 50, 100, 200)
PER_PAGE_DEFAULT = 50
# Attributes of a column holding long text (titles, names, addresses): a wider minimum.
WIDE = {"td": {"class": "col-wide"}}
# … and of a column of short values (a number, a code): no minimum.
NARROW = {"td": {"class": "col-narrow"}}


class RempartTable(tables.Table):  # type: ignore[misc]
    """A Bootstrap table in the platform's responsive wrapper (`templates/tables/table.html`).

    `export_name` names the exported files (`<export_name>-<date>.csv`); a table without one
    offers no export."""

    export_name: str = ""
    export_title: Any = _("Export")

    class Meta:
        template_name = "tables/table.html"
        attrs = {"class": "table table-sm table-hover align-middle rempart-table"}
        empty_text = _("Nothing matches.")
        order_by_field = "sort"
        page_field = "page"
        per_page_field = "per_page"
