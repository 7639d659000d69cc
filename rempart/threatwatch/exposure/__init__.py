"""Who is exposed to a vulnerability: one registry that every exposure source feeds.

A source (scanned findings, declared inventory, ...) is a function that takes CVE identifiers
and yields `ExposureItem`s. The exposure view, the alerts and the bulletins read only
`exposures_for`, so a new source needs no change in its consumers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

ExposureSource = Callable[[list[str]], Iterable["ExposureItem"]]

_SOURCES: dict[str, ExposureSource] = {}


@dataclass(frozen=True)
class ExposureItem:
    """One affected thing of one establishment for one CVE.

    `kind` is the source's name ("finding", "declared", ...); `url` the page of the affected
    object; `confidence` a `threatwatch.matching` confidence word; `reason` a translated,
    human sentence saying why it matched.
    """

    establishment_id: int
    cve_id: str
    kind: str
    object_id: int
    label: str
    url: str
    product: str
    version: str
    confidence: str
    reason: str


def register_source(name: str, source: ExposureSource) -> None:
    """Add (or replace) an exposure source; called from an app's `ready()`."""
    _SOURCES[name] = source


def registered_sources() -> tuple[str, ...]:
    return tuple(sorted(_SOURCES))


def exposures_for(cve_ids: Iterable[str]) -> Iterator[ExposureItem]:
    """Every exposure of every registered source for these CVEs, source by source."""
    ids = sorted({cve_id.upper() for cve_id in cve_ids})
    if not ids:
        return
    for name in registered_sources():
        yield from _SOURCES[name](ids)
