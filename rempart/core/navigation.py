"""Module navigation: each app registers its menu entries when it is ready."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    """A menu entry. `scope` is "establishment" (URL takes the slug) or "global"."""

    key: str
    label: Promise | str
    url_name: str
    scope: str = "establishment"
    order: int = 100
    visible: Callable[[Any], bool] = field(default=lambda user: True)


REGISTRY: list[NavItem] = []


def register(item: NavItem) -> None:
    if all(existing.key != item.key for existing in REGISTRY):
        REGISTRY.append(item)
        REGISTRY.sort(key=lambda entry: entry.order)


def items_for(user: Any, scope: str) -> list[NavItem]:
    return [item for item in REGISTRY if item.scope == scope and item.visible(user)]
