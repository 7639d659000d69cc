"""The scanning lists as tables: findings (with bulk selection), assets, scans, scopes."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from rempart.core.tables import NARROW, WIDE, DateColumn, DateTimeColumn, RempartTable, SelectColumn
from rempart.core.templatetags.rempart import status_badge

DASH = "—"
TARGETS_SHOWN = 80  # characters of a scope's targets in the list


def _link(route: str, establishment: Any, public_id: Any, text: Any) -> Any:
    url = reverse(route, args=[establishment.slug, public_id])
    return format_html('<a href="{}">{}</a>', url, text)


def _title(finding: Any) -> str:
    return str(finding.display_title)  # the check's title in the reader's language


class FindingTable(RempartTable):
    """Findings of one establishment; the selection column only for people who may change."""

    select = SelectColumn("findings")
    severity = tables.Column(verbose_name=_("Severity"), order_by=("severity_rank",))
    priority = tables.Column(verbose_name=_("Priority"), attrs=NARROW)
    title = tables.Column(verbose_name=_("Finding"), order_by=("title_fr", "title"), attrs=WIDE)
    asset = tables.Column(verbose_name=_("Asset"), order_by=("asset__address",), attrs=WIDE)
    port = tables.Column(verbose_name=_("Port"), attrs=NARROW)
    status = tables.Column(verbose_name=_("Status"))
    assignee = tables.Column(verbose_name=_("Assigned to"), order_by=("assignee__email",))
    due_at = DateColumn(verbose_name=_("Due"))
    last_seen = DateColumn(verbose_name=_("Last seen"))

    export_name = "vulnerabilites"

    class Meta(RempartTable.Meta):
        empty_text = _("No finding matches.")

    def __init__(self, *args: Any, establishment: Any, selectable: bool, **kwargs: Any) -> None:
        self.establishment = establishment
        if not selectable:
            kwargs["exclude"] = ("select",)
        super().__init__(*args, **kwargs)

    def render_severity(self, record: Any) -> Any:
        badge = format_html(
            '<span class="badge sev sev-{}">{}</span>',
            record.severity,
            record.get_severity_display(),
        )
        if record.known_exploited:
            return format_html(
                '{} <span class="badge text-bg-dark" title="{}">KEV</span>',
                badge,
                _("Known exploited (KEV)"),
            )
        return badge

    def value_severity(self, record: Any) -> str:
        return str(record.get_severity_display())

    def render_priority(self, value: Any) -> str:
        return f"P{value}"

    def render_title(self, record: Any) -> Any:
        code = f"{record.check_id} · {record.key}" if record.key else record.check_id
        return format_html(
            '{}<br><code class="small">{}</code>',
            _link("scanning:finding_detail", self.establishment, record.public_id, _title(record)),
            code,
        )

    def value_title(self, record: Any) -> str:
        return _title(record)

    def render_asset(self, record: Any) -> Any:
        asset = record.asset
        if asset.name:
            return format_html(
                '{}<br><span class="small text-muted">{}</span>', asset.address, asset.name
            )
        return asset.address

    def value_asset(self, record: Any) -> str:
        return str(record.asset.address)

    def render_port(self, record: Any) -> str:
        return f"{record.port}/{record.protocol}" if record.port else DASH

    def render_status(self, record: Any) -> str:
        return str(record.get_status_display())

    def render_assignee(self, value: Any) -> str:
        return str(value.get_full_name() or value.email)


class AssetTable(RempartTable):
    address = tables.Column(verbose_name=_("Address"))
    name = tables.Column(verbose_name=_("Name"), empty_values=(), attrs=WIDE)
    asset_class = tables.Column(verbose_name=_("Class"))
    criticality = tables.Column(verbose_name=_("Criticality"))
    os_guess = tables.Column(verbose_name=_("Operating system"), attrs=WIDE)
    service_count = tables.Column(verbose_name=_("Services"))
    open_findings = tables.Column(verbose_name=_("Open findings"))
    last_seen = DateColumn(verbose_name=_("Last seen"))

    export_name = "actifs"

    class Meta(RempartTable.Meta):
        empty_text = _("No asset yet: run a scan.")

    def __init__(self, *args: Any, establishment: Any, **kwargs: Any) -> None:
        self.establishment = establishment
        super().__init__(*args, **kwargs)

    def render_address(self, record: Any) -> Any:
        return _link("scanning:asset_detail", self.establishment, record.public_id, record.address)

    def value_address(self, record: Any) -> str:
        return str(record.address)

    def render_name(self, record: Any) -> str:
        return str(record.name or ", ".join(record.hostnames) or DASH)

    def render_asset_class(self, record: Any) -> str:
        return str(record.get_asset_class_display())

    def render_criticality(self, record: Any) -> str:
        return str(record.get_criticality_display())


class ScanTable(RempartTable):
    created_at = DateTimeColumn(verbose_name=_("Started"))
    scope = tables.Column(
        verbose_name=_("Scope"), order_by=("scope__name",), empty_values=(), attrs=WIDE
    )
    policy = tables.Column(verbose_name=_("Policy"))
    status = tables.Column(verbose_name=_("Status"))
    hosts_up = tables.Column(verbose_name=_("Live hosts"))
    findings_new = tables.Column(verbose_name=_("New"))
    findings_fixed = tables.Column(verbose_name=_("Fixed"))
    findings_reopened = tables.Column(verbose_name=_("Reopened"))

    export_name = "scans"

    class Meta(RempartTable.Meta):
        empty_text = _("No scan yet.")

    def __init__(self, *args: Any, establishment: Any, **kwargs: Any) -> None:
        self.establishment = establishment
        super().__init__(*args, **kwargs)

    def render_created_at(self, record: Any, value: Any) -> Any:
        when = DateTimeColumn().render(value)
        return _link("scanning:scan_detail", self.establishment, record.public_id, when)

    def render_scope(self, record: Any) -> str:
        return str(record.scope or record.get_source_display())

    def render_policy(self, record: Any) -> str:
        return str(record.get_policy_display())

    def render_status(self, record: Any) -> Any:
        return format_html(
            '<span class="badge text-bg-{}">{}</span>',
            status_badge(record.status),
            record.get_status_display(),
        )

    def value_status(self, record: Any) -> str:
        return str(record.get_status_display())


class ScopeTable(RempartTable):
    name = tables.Column(verbose_name=_("Scope"), attrs=WIDE)
    targets = tables.Column(verbose_name=_("Targets"), orderable=False, attrs=WIDE)
    authorisation = tables.Column(
        verbose_name=_("Authorisation"),
        accessor="current_authorisation",
        orderable=False,
        empty_values=(),
    )
    deep_allowed = tables.Column(verbose_name=_("Deep policy"))
    scan_count = tables.Column(verbose_name=_("Scans"))

    export_name = "perimetres"

    class Meta(RempartTable.Meta):
        empty_text = _("No scope yet.")
        row_attrs = {"class": lambda record: "" if record.is_active else "text-muted"}

    def __init__(self, *args: Any, establishment: Any, **kwargs: Any) -> None:
        self.establishment = establishment
        super().__init__(*args, **kwargs)

    def render_name(self, record: Any) -> Any:
        link = _link("scanning:scope_detail", self.establishment, record.public_id, record.name)
        if record.is_active:
            return link
        return format_html("{} ({})", link, _("inactive"))

    def value_name(self, record: Any) -> str:
        return str(record.name)

    def render_targets(self, record: Any) -> Any:
        text = ", ".join(record.target_lines())
        shown = text if len(text) <= TARGETS_SHOWN else text[: TARGETS_SHOWN - 1] + "…"
        return format_html('<code class="small">{}</code>', shown)

    def value_targets(self, record: Any) -> str:
        return ", ".join(record.target_lines())

    def render_authorisation(self, value: Any) -> Any:
        if value is None:
            return format_html('<span class="badge text-bg-warning">{}</span>', _("none valid"))
        return format_html(
            '<span class="badge text-bg-success">{} {}</span>',
            _("valid until"),
            DateColumn().render(value.valid_until),
        )

    def value_authorisation(self, value: Any) -> Any:
        return value.valid_until if value else None

    def render_deep_allowed(self, value: Any) -> str:
        return str(_("allowed")) if value else DASH

    def value_deep_allowed(self, value: Any) -> bool:
        return bool(value)
