"""Server-side pagination for HTML lists."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZE = 50


def paginate(request: HttpRequest, queryset: Any, per_page: int = PAGE_SIZE) -> Page[Any]:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
