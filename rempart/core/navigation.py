"""Module navigation: each app registers its menu entries when it is ready.

Entries are grouped into menus (Vulnérabilités, Hameçonnage, Cyberveille, Administration…).
An entry is shown only to users who may open it: global entries carry a `visible`
predicate; establishment entries are checked against the action their view requires
(`establishment_view(action)` marks the view), so the menu and the 403 never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.functional import Promise

from rempart.core.actions import Action


@dataclass(frozen=True)
class NavGroup:
    """A drop-down menu of entries; `scope` is "establishment" or "global"."""

    key: str
    label: Promise | str
    scope: str = "establishment"
    order: int = 100


@dataclass(frozen=True)
class NavItem:
    """A menu entry. `scope` is "establishment" (URL takes the slug) or "global"."""

    key: str
    label: Promise | str
    url_name: str
    scope: str = "establishment"
    order: int = 100
    visible: Callable[[Any], bool] = field(default=lambda user: True)
    group: str = ""


@dataclass
class MenuEntry:
    """What the template draws: a link, or a group with its links."""

    label: Promise | str
    href: str = ""
    active: bool = False
    children: list[MenuEntry] = field(default_factory=list)
    key: str = ""


REGISTRY: list[NavItem] = []
GROUPS: dict[str, NavGroup] = {}


def register(item: NavItem) -> None:
    if all(existing.key != item.key for existing in REGISTRY):
        REGISTRY.append(item)
        REGISTRY.sort(key=lambda entry: entry.order)


def register_group(group: NavGroup) -> None:
    GROUPS.setdefault(group.key, group)


def items_for(user: Any, scope: str) -> list[NavItem]:
    return [item for item in REGISTRY if item.scope == scope and item.visible(user)]


def menu_for(
    user: Any,
    scope: str,
    *,
    path: str = "",
    establishment: Any = None,
    allowed: frozenset[Action] = frozenset(),
) -> list[MenuEntry]:
    """The menu of `scope` for `user`: entries they may open, grouped, the current one active."""
    links = _links(user, scope, establishment, allowed, path)
    entries: list[MenuEntry] = []
    groups: dict[str, MenuEntry] = {}
    for item, link in links:
        group = GROUPS.get(item.group)
        if group is None:
            entries.append(link)
            continue
        if group.key not in groups:
            groups[group.key] = MenuEntry(label=group.label, key=group.key)
            entries.append(groups[group.key])
        groups[group.key].children.append(link)
        groups[group.key].active |= link.active
    return [_single(entry) for entry in entries]


def _single(entry: MenuEntry) -> MenuEntry:
    """A group holding one entry is drawn as that entry."""
    return entry.children[0] if len(entry.children) == 1 else entry


def _links(
    user: Any, scope: str, establishment: Any, allowed: frozenset[Action], path: str
) -> list[tuple[NavItem, MenuEntry]]:
    links = []
    for item in items_for(user, scope):
        href = _href(item, establishment)
        if not href or (scope == "establishment" and required_action(href) not in allowed):
            continue
        links.append((item, MenuEntry(item.label, href, _is_active(href, path), key=item.key)))
    return _longest_match_only(links)


def _href(item: NavItem, establishment: Any) -> str:
    try:
        if item.scope == "establishment":
            if establishment is None:
                return ""
            return reverse(item.url_name, kwargs={"establishment": establishment.slug})
        return reverse(item.url_name)
    except NoReverseMatch:
        return ""


def required_action(href: str) -> Action:
    """The action the view behind `href` requires (VIEW unless its decorator says more)."""
    try:
        func = resolve(href).func
    except Resolver404:
        return Action.MANAGE
    return getattr(func, "required_action", Action.VIEW)


def _is_active(href: str, path: str) -> bool:
    return bool(path) and (path == href or path.startswith(href))


def _longest_match_only(
    links: list[tuple[NavItem, MenuEntry]],
) -> list[tuple[NavItem, MenuEntry]]:
    """Only the entry whose address is the longest prefix of the page stays active
    (the dashboard `/e/x/` is a prefix of every establishment page)."""
    active = [entry for _item, entry in links if entry.active]
    if active:
        best = max(active, key=lambda entry: len(entry.href))
        for entry in active:
            entry.active = entry is best
    return links
