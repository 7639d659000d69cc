"""The audit log as a table: entries in words (rempart.audit.display), sortable, paginated."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from rempart.audit.display import EntryView, present
from rempart.core.tables import NARROW, WIDE, DateTimeColumn, RempartTable


class AuditEntryTable(RempartTable):
    """Entries are put in words for the shown page only (one query for finding titles)."""

    seq = tables.Column(verbose_name="#", attrs=NARROW)
    created_at = DateTimeColumn(verbose_name=_("Timestamp"))
    actor = tables.Column(verbose_name=_("Actor"), accessor="actor_label", attrs=WIDE)
    establishment = tables.Column(
        verbose_name=_("Establishment"), order_by=("establishment__name",)
    )
    verb = tables.Column(
        verbose_name=_("Action"), attrs={"td": {"data-verb": lambda record: record.verb}}
    )
    object = tables.Column(
        verbose_name=_("Object"), accessor="object_repr", orderable=False, attrs=WIDE
    )
    changes = tables.Column(verbose_name=_("Changes"), orderable=False, empty_values=(), attrs=WIDE)
    ip_address = tables.Column(verbose_name=_("Source IP"), orderable=False)

    class Meta(RempartTable.Meta):
        empty_text = _("No entry.")
        attrs = {**RempartTable.Meta.attrs, "class": RempartTable.Meta.attrs["class"] + " audit"}

    def before_render(self, request: Any) -> None:
        records = [row.record for row in self.page] if self.page else []
        self.views: dict[int, EntryView] = {view.entry.pk: view for view in present(records)}

    def _view(self, record: Any) -> EntryView:
        return self.views[record.pk]

    def render_actor(self, record: Any) -> str:
        return self._view(record).actor

    def render_establishment(self, value: Any) -> str:
        return str(value.name)

    def render_verb(self, record: Any) -> str:
        return self._view(record).action

    def render_object(self, record: Any) -> str:
        return self._view(record).object

    def render_changes(self, record: Any) -> Any:
        changes = self._view(record).changes
        if not changes:
            return ""
        return render_to_string("audit/partials/_changes.html", {"changes": changes})
