"""Columns shared by the platform's tables."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _


class DateTimeColumn(tables.Column):  # type: ignore[misc]
    """A date and time in the local time zone (short French format), exported as the
    datetime itself (the CSV writes ISO 8601, the XLSX a real date)."""

    FORMAT = "SHORT_DATETIME_FORMAT"

    def render(self, value: Any) -> Any:
        if hasattr(value, "tzinfo") and timezone.is_aware(value):
            value = timezone.localtime(value)
        return format_html(
            '<time datetime="{}">{}</time>', value.isoformat(), date_format(value, self.FORMAT)
        )

    def value(self, value: Any) -> Any:
        return value


class DateColumn(DateTimeColumn):
    """A date (or the local date of a datetime) in the short French format, exported raw."""

    FORMAT = "SHORT_DATE_FORMAT"


class SelectColumn(tables.Column):  # type: ignore[misc]
    """A checkbox per row (`name` = the form field, value = the row's public id) for bulk
    actions; the header checkbox selects every row of the page (static/js/rempart.js)."""

    def __init__(self, field: str, **kwargs: Any) -> None:
        self.field = field
        kwargs.setdefault("accessor", "public_id")
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("exclude_from_export", True)
        kwargs.setdefault("attrs", {"th": {"class": "col-select"}, "td": {"class": "col-select"}})
        super().__init__(**kwargs)

    @property
    def header(self) -> Any:
        return format_html(
            '<input type="checkbox" class="form-check-input" data-select-all="{}" aria-label="{}">',
            self.field,
            _("Select every row of the page"),
        )

    def render(self, value: Any, record: Any) -> Any:
        return format_html(
            '<input type="checkbox" class="form-check-input" name="{}" value="{}" aria-label="{}">',
            self.field,
            value,
            _("Select %(row)s") % {"row": getattr(record, "display_title", record)},
        )
