"""Lists as tables (django-tables2 with django-filter, as NetBox does): sortable headers, a
filter form, pagination with a choice of page sizes, CSV/XLSX export through the formula-safe
`rempart.core.exports`, and a wrapper that scrolls the table, never the page.

Tables only render querysets that the views already scoped through their selectors: the
tenant choke point stays where it is.
"""

from rempart.core.tables.base import NARROW, PER_PAGE_CHOICES, WIDE, RempartTable
from rempart.core.tables.columns import DateColumn, DateTimeColumn, SelectColumn
from rempart.core.tables.views import (
    export_response,
    list_context,
    render_list,
    table_configure,
)

__all__ = [
    "NARROW",
    "PER_PAGE_CHOICES",
    "WIDE",
    "DateColumn",
    "DateTimeColumn",
    "RempartTable",
    "SelectColumn",
    "export_response",
    "list_context",
    "render_list",
    "table_configure",
]
