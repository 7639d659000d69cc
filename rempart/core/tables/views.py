"""What list views call: configure a table from the request (sorting, page, page size), and
answer an export request with the whole filtered list as CSV or XLSX."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.contrib import messages
from django.core.paginator import InvalidPage
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from rempart.core.exports import CSV_TYPE, XLSX_TYPE, csv_lines, xlsx_bytes
from rempart.core.tables.base import PER_PAGE_CHOICES, PER_PAGE_DEFAULT, RempartTable

EXPORT_FORMATS = ("csv", "xlsx")
# Beyond this, an export is refused (an XLSX is built in memory): narrow the filters.
MAX_EXPORT_ROWS = 100_000
EXPORT_PARAM = "export"
# Parameters of the table itself, dropped when its filters are carried to another address.
TABLE_PARAMS = ("sort", "page", "per_page", EXPORT_PARAM)


def per_page(request: HttpRequest, default: int = PER_PAGE_DEFAULT) -> int:
    """The page size asked for, if it is one of the choices offered."""
    try:
        asked = int(request.GET.get("per_page", default))
    except ValueError:
        return default
    return asked if asked in PER_PAGE_CHOICES else default


def table_configure(request: HttpRequest, table: RempartTable) -> RempartTable:
    """Sort by `?sort=` (unknown columns are ignored) and show the page asked for (the last
    one when it is beyond the end, the first when it is not a number)."""
    sort = request.GET.get("sort")
    if sort:
        table.order_by = (sort,)
    size = per_page(request)
    try:
        table.paginate(page=request.GET.get("page", 1), per_page=size)
    except InvalidPage:
        table.paginate(page=1, per_page=size)
        if request.GET.get("page", "").isdigit():
            table.paginate(page=table.paginator.num_pages, per_page=size)
    table.per_page_choices = PER_PAGE_CHOICES
    table.per_page_current = size
    return table


def export_links(
    request: HttpRequest, table: RempartTable, export_to: dict[str, str] | None = None
) -> list[tuple[str, str]]:
    """(format, address) of each export of `table` with the current filters and sort: this
    page with `?export=`, or the addresses of `export_to` (format → URL) when the list has
    dedicated export routes."""
    if not table.export_name and not export_to:
        return []
    query = request.GET.copy()
    for name in TABLE_PARAMS:
        query.pop(name, None)
    if export_to:
        return [(fmt.upper(), f"{url}?{query.urlencode()}") for fmt, url in export_to.items()]
    if request.GET.get("sort"):
        query["sort"] = request.GET["sort"]
    links = []
    for fmt in EXPORT_FORMATS:
        query[EXPORT_PARAM] = fmt
        links.append((fmt.upper(), f"{request.path}?{query.urlencode()}"))
    return links


def list_context(
    request: HttpRequest,
    table: RempartTable,
    *,
    export_to: dict[str, str] | None = None,
    **context: Any,
) -> dict[str, Any]:
    """The context of a list page: the configured table and its export links."""
    table_configure(request, table)
    table.export_links = export_links(request, table, export_to)
    _filter_ids(context.get("filter"))
    return {"table": table, **context}


def _filter_ids(filterset: Any) -> None:
    """The filter form's ids never collide with another form of the page (a launch form's
    "policy", an invitation's "role"); its field names, the query string, are unchanged."""
    if isinstance(filterset, dict):
        form = filterset.get("form")
    else:
        form = getattr(filterset, "form", None)
    if form is not None:
        form.auto_id = "filter_%s"


def export_format(request: HttpRequest) -> str | None:
    fmt = request.GET.get(EXPORT_PARAM)
    return fmt if fmt in EXPORT_FORMATS else None


def _rows(table: RempartTable) -> tuple[list[str], Iterator[list[Any]]]:
    columns = [
        column
        for column in table.columns.iterall()
        if not column.column.exclude_from_export and column.visible
    ]
    header = [str(column.header) for column in columns]
    rows = ([row.get_cell_value(column.name) for column in columns] for row in table.rows)
    return header, rows


def export_response(
    request: HttpRequest,
    table: RempartTable,
    fmt: str,
    *,
    on_export: Callable[[str, int], None] | None = None,
) -> HttpResponseBase:
    """The whole sorted, filtered list as a CSV (streamed) or XLSX file. `on_export` is
    called with the format and the row count (to audit the export) before it is written.
    Too long a list is refused with a message on the list itself."""
    sort = request.GET.get("sort")
    if sort:
        table.order_by = (sort,)
    count = len(table.rows)
    if count > MAX_EXPORT_ROWS:
        messages.error(
            request,
            _("%(count)d rows are too many to export (at most %(max)d): narrow the filters.")
            % {"count": count, "max": MAX_EXPORT_ROWS},
        )
        query = request.GET.copy()
        query.pop(EXPORT_PARAM, None)
        return redirect(f"{request.path}?{query.urlencode()}")
    if on_export is not None:
        on_export(fmt, count)
    header, rows = _rows(table)
    filename = f"{table.export_name}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response: HttpResponseBase
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(header, rows), content_type=CSV_TYPE)
    else:
        response = HttpResponse(
            xlsx_bytes(str(table.export_title), header, rows), content_type=XLSX_TYPE
        )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def render_list(
    request: HttpRequest,
    template: str,
    table: RempartTable,
    *,
    on_export: Callable[[str, int], None] | None = None,
    export_to: dict[str, str] | None = None,
    **context: Any,
) -> HttpResponseBase:
    """A list page, or its export when `?export=csv|xlsx` is asked for a table that has one."""
    fmt = export_format(request)
    if fmt and table.export_name:
        return export_response(request, table, fmt, on_export=on_export)
    return render(request, template, list_context(request, table, export_to=export_to, **context))
