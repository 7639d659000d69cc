"""Priority of a finding (P1 urgent … P4), explained in plain words.

Inputs: known exploitation (CISA KEV), EPSS probability, CVSS (or the check's severity),
the asset's criticality and class, and the service's exposure on the network. The reasons
are codes rendered in French or English by the interface.
"""

from __future__ import annotations

from typing import Any

SEVERITY_POINTS = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}
CRITICALITY_POINTS = {"critical": 2, "high": 1, "medium": 0, "low": -1}
REMOTE_ADMIN_PORTS = {22, 23, 3389, 5900, 445, 139, 161, 623}


def compute(
    *,
    severity: str,
    known_exploited: bool = False,
    epss: float | None = None,
    cvss: float | None = None,
    criticality: str = "medium",
    asset_class: str = "",
    port: int | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """(priority 1-4, reasons). KEV is always P1; otherwise points decide."""
    reasons: list[dict[str, Any]] = []
    points = SEVERITY_POINTS.get(severity, 2)
    reasons.append({"code": "severity", "value": severity})
    if cvss is not None:
        reasons.append({"code": "cvss", "value": cvss})
    if epss is not None and epss >= 0.1:  # noqa: PLR2004
        points += 2 if epss >= 0.5 else 1  # noqa: PLR2004
        reasons.append({"code": "epss", "value": round(epss, 3)})
    points += CRITICALITY_POINTS.get(criticality, 0)
    if criticality in ("critical", "high"):
        reasons.append({"code": "asset_criticality", "value": criticality})
    if asset_class in ("biomedical", "network_core"):
        points += 1
        reasons.append({"code": "asset_class", "value": asset_class})
    if port in REMOTE_ADMIN_PORTS:
        points += 1
        reasons.append({"code": "exposed_admin", "value": port})
    if known_exploited:
        reasons.insert(0, {"code": "kev", "value": True})
        return 1, reasons
    priority = 1 if points >= 6 else 2 if points >= 4 else 3 if points >= 2 else 4  # noqa: PLR2004
    return priority, reasons
