"""Helpers shared by the scanning views."""

from __future__ import annotations

from typing import Any


def partial_or_page(request: Any, page: str, partial: str) -> str:
    return partial if getattr(request, "htmx", False) else page
