"""Differences between two scans of the same scope, from their observations (not from the
order of results): new, fixed, changed and unchanged findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rempart.scanning.models import Observation, Scan


@dataclass
class ScanDiff:
    new: list[Any] = field(default_factory=list)
    fixed: list[Any] = field(default_factory=list)
    changed: list[tuple[Any, str, str]] = field(default_factory=list)  # finding, before, after
    unchanged: int = 0


def previous_scan(scan: Scan) -> Scan | None:
    """The latest finished scan of the same scope before `scan`."""
    if scan.scope_id is None:
        return None
    return (
        Scan.objects.filter(
            scope_id=scan.scope_id, created_at__lt=scan.created_at, status="completed"
        )
        .order_by("-created_at")
        .first()
    )


def _present(scan: Scan) -> dict[int, Observation]:
    observations = Observation.objects.filter(scan=scan).select_related("finding__asset")
    return {o.finding_id: o for o in observations if o.result == "present"}


def scan_diff(older: Scan | None, newer: Scan) -> ScanDiff:
    before = _present(older) if older else {}
    after = _present(newer)
    absent_now = set(
        Observation.objects.filter(scan=newer, result="absent").values_list("finding_id", flat=True)
    )
    result = ScanDiff()
    for finding_id, observation in after.items():
        previous = before.get(finding_id)
        if previous is None:
            result.new.append(observation.finding)
        elif previous.severity != observation.severity:
            result.changed.append((observation.finding, previous.severity, observation.severity))
        else:
            result.unchanged += 1
    result.fixed = [o.finding for fid, o in before.items() if fid in absent_now]
    return result
