"""The charts of the vulnerability module, drawn by `rempart.core.charts` (web and PDF)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rempart.core.charts import (
    ChartData,
    ChartText,
    Series,
    horizontal_bar_chart,
    stacked_bar_chart,
)
from rempart.scanning.choices import AssetClass, Severity
from rempart.scanning.stats import SEVERITY_ORDER, AssetRisk, EstablishmentStats, TrendPoint

# The colours of the `.sev-*` badges (static/css/rempart.css): white text on them is ≥ 4.5:1,
# and as bars they are ≥ 3:1 against the white background.
SEVERITY_COLOURS = {
    "critical": "#6b1d6e",
    "high": "#c0262d",
    "medium": "#b45309",
    "low": "#1d4ed8",
    "info": "#4b5563",
}


def severity_series(severities: Sequence[str] = SEVERITY_ORDER) -> list[Series]:
    return [Series(s, str(Severity(s).label), SEVERITY_COLOURS[s]) for s in severities]


def _describe(total: int, empty: str, summary: str) -> str:
    return summary if total else empty


def trend_chart(
    points: Sequence[TrendPoint], *, chart_id: str, table_class: str = "visually-hidden"
) -> SafeString:
    """Findings present each week, stacked by severity."""
    first, last = (points[0].total, points[-1].total) if points else (0, 0)
    text = ChartText(
        title=_("Vulnerabilities present, week by week"),
        description=_describe(
            last + first,
            _("No vulnerability over the period."),
            ngettext(
                "%(first)s vulnerability present at the start of the period, %(last)s now.",
                "%(first)s vulnerabilities present at the start of the period, %(last)s now.",
                first,
            )
            % {"first": first, "last": last},
        ),
        x_label=_("Week"),
        y_label=_("Vulnerabilities"),
    )
    data = ChartData(
        categories=[date_format(p.at, "j N") for p in points],
        series=severity_series(),
        values={s: [p.counts[s] for p in points] for s in SEVERITY_ORDER},
    )
    return stacked_bar_chart(chart_id=chart_id, text=text, data=data, table_class=table_class)


def asset_class_chart(
    classes: Sequence[tuple[str, dict[str, int]]],
    *,
    chart_id: str,
    table_class: str = "visually-hidden",
    width: int = 720,
) -> SafeString:
    """Open findings by asset class, stacked by severity."""
    total = sum(sum(counts.values()) for _key, counts in classes)
    text = ChartText(
        title=_("Open vulnerabilities by asset class"),
        description=_describe(
            total,
            _("No open vulnerability."),
            ngettext(
                "%(total)s open vulnerability; the most exposed class is %(first)s.",
                "%(total)s open vulnerabilities; the most exposed class is %(first)s.",
                total,
            )
            % {"total": total, "first": AssetClass(classes[0][0]).label if classes else ""},
        ),
        x_label=_("Open vulnerabilities"),
        y_label=_("Asset class"),
    )
    data = ChartData(
        categories=[str(AssetClass(key).label) for key, _counts in classes],
        series=severity_series(),
        values={s: [counts[s] for _key, counts in classes] for s in SEVERITY_ORDER},
    )
    return horizontal_bar_chart(
        chart_id=chart_id, text=text, data=data, table_class=table_class, width=width
    )


def top_assets_chart(
    assets: Sequence[AssetRisk],
    *,
    chart_id: str,
    table_class: str = "visually-hidden",
    width: int = 720,
) -> SafeString:
    """The most vulnerable assets, their open findings stacked by severity."""
    text = ChartText(
        title=_("Most vulnerable assets"),
        description=_describe(
            len(assets),
            _("No vulnerable asset."),
            ngettext(
                "The asset with the heaviest open vulnerabilities: %(first)s.",
                "The %(count)s assets with the heaviest open vulnerabilities; first: %(first)s.",
                len(assets),
            )
            % {"count": len(assets), "first": assets[0].label if assets else ""},
        ),
        x_label=_("Open vulnerabilities"),
        y_label=_("Asset"),
    )
    data = ChartData(
        categories=[a.label for a in assets],
        series=severity_series(),
        values={s: [a.counts[s] for a in assets] for s in SEVERITY_ORDER},
    )
    return horizontal_bar_chart(
        chart_id=chart_id, text=text, data=data, table_class=table_class, width=width
    )


def by_establishment_chart(
    lines: Sequence[tuple[str, dict[str, int]]],
    *,
    chart_id: str,
    table_class: str = "visually-hidden",
    width: int = 720,
) -> SafeString:
    """Open findings per establishment (regional view), stacked by severity."""
    total = sum(sum(counts.values()) for _name, counts in lines)
    text = ChartText(
        title=_("Open vulnerabilities by establishment"),
        description=_describe(
            total,
            _("No open vulnerability in the perimeter."),
            _("%(total)s across %(count)s.")
            % {
                "total": ngettext("%(n)s open vulnerability", "%(n)s open vulnerabilities", total)
                % {"n": total},
                "count": ngettext("%(n)s establishment", "%(n)s establishments", len(lines))
                % {"n": len(lines)},
            },
        ),
        x_label=_("Open vulnerabilities"),
        y_label=_("Establishment"),
    )
    data = ChartData(
        categories=[name for name, _counts in lines],
        series=severity_series(),
        values={s: [counts[s] for _name, counts in lines] for s in SEVERITY_ORDER},
    )
    return horizontal_bar_chart(
        chart_id=chart_id, text=text, data=data, table_class=table_class, width=width
    )


def establishment_charts(
    stats: EstablishmentStats, *, table_class: str = "visually-hidden", bar_width: int = 720
) -> dict[str, SafeString]:
    """The three charts of an establishment (dashboard page and PDF report); `bar_width` is
    the drawing width of the horizontal charts (narrower on the web: larger text)."""
    options: dict[str, Any] = {"table_class": table_class, "width": bar_width}
    return {
        "trend": trend_chart(stats.trend, chart_id="chart-trend", table_class=table_class),
        "classes": asset_class_chart(stats.by_asset_class, chart_id="chart-classes", **options),
        "assets": top_assets_chart(stats.top_assets, chart_id="chart-assets", **options),
    }
