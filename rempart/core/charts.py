"""Server-side SVG charts, the same markup for web pages and PDF reports (no JavaScript).

Each chart is a `<figure>` holding an SVG (`role="img"`, `<title>` and `<desc>`, axis labels
and a legend drawn in the SVG) followed by a data table with the same numbers: visually
hidden on screen for screen-reader users (`visually-hidden`), printed in PDFs. Colours are
given by the caller as SVG presentation attributes, which the strict CSP allows (no `style`
attribute, no `<style>` element). Every value is escaped by `format_html`; `mark_safe` is
only applied to the concatenation of fragments built that way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

AXIS_COLOUR = "#374151"  # 10.3:1 on white
GRID_COLOUR = "#d1d5db"  # decorative grid lines
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
LEGEND_HEIGHT = 34
MAX_LABEL_CHARS = 30
HIDDEN = "visually-hidden"  # the charts' data tables on screen: for screen readers only


@dataclass(frozen=True)
class Series:
    """One stacked layer: its key in `values`, its (translated) label and its fill colour."""

    key: str
    label: str
    colour: str


@dataclass(frozen=True)
class ChartText:
    """The words of a chart: title, one-sentence description, axis labels."""

    title: str
    description: str
    x_label: str
    y_label: str


@dataclass(frozen=True)
class ChartData:
    """Categories (bars) and, per series key, one value per category."""

    categories: Sequence[str]
    series: Sequence[Series]
    values: Mapping[str, Sequence[int]]

    def value(self, key: str, index: int) -> int:
        column = self.values.get(key, ())
        return int(column[index]) if index < len(column) else 0

    def total(self, index: int) -> int:
        return sum(self.value(s.key, index) for s in self.series)

    def max_total(self) -> int:
        return max((self.total(i) for i in range(len(self.categories))), default=0)


def _join(parts: Sequence[str]) -> SafeString:
    """Concatenate fragments that were all built with `format_html` (already escaped)."""
    return mark_safe("".join(parts))  # noqa: S308  (every part comes from format_html)


def nice_ticks(maximum: int, count: int = 5) -> list[int]:
    """Round axis ticks from 0 to at least `maximum` (steps of 1, 2 or 5 times a power of ten)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(int(step), 1)
    top = math.ceil(maximum / step) * step
    return list(range(0, top + 1, step))


def _shorten(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "middle",
    size: int = 12,
    vertical: bool = False,
) -> str:
    rotation = format_html(' transform="rotate(-90 {} {})"', f"{x:.1f}", f"{y:.1f}")
    return format_html(
        '<text x="{}" y="{}" text-anchor="{}" font-size="{}" fill="{}"{}>{}</text>',
        f"{x:.1f}",
        f"{y:.1f}",
        anchor,
        size,
        AXIS_COLOUR,
        rotation if vertical else "",
        content,
    )


def _rect(box: tuple[float, float, float, float], colour: str, tooltip: str) -> str:
    """A bar segment with a white outline (separates stacked layers) and a tooltip."""
    x, y, width, height = box
    return format_html(
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#ffffff" '
        'stroke-width="1"><title>{}</title></rect>',
        f"{x:.1f}",
        f"{y:.1f}",
        f"{width:.1f}",
        f"{max(height, 0):.1f}",
        colour,
        tooltip,
    )


def _legend(series: Sequence[Series], left: float) -> str:
    parts: list[str] = []
    x = left
    for item in series:
        parts.append(
            format_html(
                '<rect x="{}" y="10" width="12" height="12" fill="{}"></rect>',
                f"{x:.1f}",
                item.colour,
            )
        )
        parts.append(_text(x + 17, 21, item.label, anchor="start"))
        x += 17 + 6.8 * len(item.label) + 22
    return format_html('<g class="chart-legend">{}</g>', _join(parts))


def _svg(chart_id: str, text: ChartText, size: tuple[int, int], body: Sequence[str]) -> str:
    width, height = size
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{0}-title {0}-desc" '
        'viewBox="0 0 {1} {2}" width="{1}" height="{2}" font-family="{3}" '
        'preserveAspectRatio="xMinYMin meet">'
        '<title id="{0}-title">{4}</title><desc id="{0}-desc">{5}</desc>{6}</svg>',
        chart_id,
        width,
        height,
        FONT,
        text.title,
        text.description,
        _join(body),
    )


def data_table(text: ChartText, data: ChartData, *, css_class: str, category_label: str) -> str:
    """The chart's numbers as a table (categories as rows, series as columns, totals)."""
    head = _join([format_html('<th scope="col">{}</th>', s.label) for s in data.series])
    rows = []
    for index, category in enumerate(data.categories):
        cells = _join([format_html("<td>{}</td>", data.value(s.key, index)) for s in data.series])
        rows.append(
            format_html(
                '<tr><th scope="row">{}</th>{}<td>{}</td></tr>', category, cells, data.total(index)
            )
        )
    table = format_html(
        '<table class="{}"><caption>{}</caption><thead><tr><th scope="col">{}</th>{}'
        '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
        "" if css_class == HIDDEN else css_class,
        text.title,
        category_label,
        head,
        _("Total"),
        _join(rows),
    )
    # A table ignores `visually-hidden`'s 1 px width: hidden in a block, it no longer widens
    # the page on a phone.
    return format_html('<div class="{}">{}</div>', HIDDEN, table) if css_class == HIDDEN else table


def _figure(chart_id: str, svg: str, table: str) -> SafeString:
    return format_html('<figure class="chart" id="{}">{}{}</figure>', chart_id, svg, table)


@dataclass(frozen=True)
class _Frame:
    """The plotting area inside the SVG."""

    left: float
    top: float
    width: float
    height: float

    @property
    def bottom(self) -> float:
        return self.top + self.height


def _y_axis(frame: _Frame, ticks: list[int], label: str) -> list[str]:
    parts: list[str] = []
    for tick in ticks:
        y = frame.bottom - frame.height * tick / ticks[-1]
        parts.append(
            format_html(
                '<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="{3}" stroke-width="1"></line>',
                f"{frame.left:.1f}",
                f"{y:.1f}",
                f"{frame.left + frame.width:.1f}",
                GRID_COLOUR,
            )
        )
        parts.append(_text(frame.left - 6, y + 4, str(tick), anchor="end", size=11))
    parts.append(_text(14, frame.top + frame.height / 2, label, vertical=True))
    return parts


def _column(frame: _Frame, data: ChartData, index: int, top_tick: int) -> list[str]:
    band = frame.width / max(len(data.categories), 1)
    bar = band * 0.68
    x = frame.left + band * index + (band - bar) / 2
    y = frame.bottom
    parts: list[str] = []
    category = data.categories[index]
    for item in data.series:
        value = data.value(item.key, index)
        if value:
            height = frame.height * value / top_tick
            y -= height
            tooltip = f"{category} — {item.label}: {value}"
            parts.append(_rect((x, y, bar, height), item.colour, tooltip))
    if data.total(index):
        parts.append(_text(x + bar / 2, y - 4, str(data.total(index)), size=10))
    step = math.ceil(len(data.categories) / 14)  # at most ~14 labels under the axis
    if index % step == 0 or index == len(data.categories) - 1:
        parts.append(_text(x + bar / 2, frame.bottom + 16, category, size=11))
    return parts


def stacked_bar_chart(
    *,
    chart_id: str,
    text: ChartText,
    data: ChartData,
    table_class: str = HIDDEN,
    size: tuple[int, int] = (720, 300),
) -> SafeString:
    """Vertical bars (e.g. weeks), each stacked by series (e.g. severities)."""
    width, height = size
    frame = _Frame(
        left=58, top=LEGEND_HEIGHT + 14, width=width - 74, height=height - LEGEND_HEIGHT - 14 - 52
    )
    ticks = nice_ticks(data.max_total())
    body = [_legend(data.series, frame.left), *_y_axis(frame, ticks, text.y_label)]
    for index in range(len(data.categories)):
        body += _column(frame, data, index, ticks[-1])
    body.append(
        format_html(
            '<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="{3}" stroke-width="1.5"></line>',
            f"{frame.left:.1f}",
            f"{frame.bottom:.1f}",
            f"{frame.left + frame.width:.1f}",
            AXIS_COLOUR,
        )
    )
    body.append(_text(frame.left + frame.width / 2, height - 8, text.x_label))
    svg = _svg(chart_id, text, size, body)
    table = data_table(text, data, css_class=table_class, category_label=text.x_label)
    return _figure(chart_id, svg, table)


def _x_axis(frame: _Frame, ticks: list[int], label: str, height: float) -> list[str]:
    parts: list[str] = []
    for tick in ticks:
        x = frame.left + frame.width * tick / ticks[-1]
        parts.append(
            format_html(
                '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{3}" stroke-width="1"></line>',
                f"{x:.1f}",
                f"{frame.top:.1f}",
                f"{frame.bottom:.1f}",
                GRID_COLOUR,
            )
        )
        parts.append(_text(x, frame.bottom + 15, str(tick), size=11))
    parts.append(_text(frame.left + frame.width / 2, height - 8, label))
    return parts


def _row(frame: _Frame, data: ChartData, index: int, top_tick: int) -> list[str]:
    band = frame.height / max(len(data.categories), 1)
    bar = min(band * 0.66, 20)
    y = frame.top + band * index + (band - bar) / 2
    x = frame.left
    parts: list[str] = []
    category = data.categories[index]
    parts.append(_text(frame.left - 8, y + bar / 2 + 4, _shorten(category), anchor="end"))
    for item in data.series:
        value = data.value(item.key, index)
        if value:
            length = frame.width * value / top_tick
            tooltip = f"{category} — {item.label}: {value}"
            parts.append(_rect((x, y, length, bar), item.colour, tooltip))
            x += length
    parts.append(_text(x + 5, y + bar / 2 + 4, str(data.total(index)), anchor="start", size=11))
    return parts


def horizontal_bar_chart(
    *,
    chart_id: str,
    text: ChartText,
    data: ChartData,
    table_class: str = HIDDEN,
    width: int = 720,
) -> SafeString:
    """Horizontal bars (e.g. asset classes or assets), each stacked by series."""
    longest = max((len(_shorten(c)) for c in data.categories), default=4)
    left = min(40 + 7 * longest, 260)
    rows = max(len(data.categories), 1)
    height = LEGEND_HEIGHT + 10 + rows * 28 + 46
    frame = _Frame(left=left, top=LEGEND_HEIGHT + 10, width=width - left - 40, height=rows * 28)
    ticks = nice_ticks(data.max_total())
    body = [_legend(data.series, 10), *_x_axis(frame, ticks, text.x_label, height)]
    body.append(_text(14, frame.top + frame.height / 2, text.y_label, vertical=True))
    for index in range(len(data.categories)):
        body += _row(frame, data, index, ticks[-1])
    body.append(
        format_html(
            '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{3}" stroke-width="1.5"></line>',
            f"{frame.left:.1f}",
            f"{frame.top:.1f}",
            f"{frame.bottom:.1f}",
            AXIS_COLOUR,
        )
    )
    svg = _svg(chart_id, text, (width, height), body)
    table = data_table(text, data, css_class=table_class, category_label=text.y_label)
    return _figure(chart_id, svg, table)
