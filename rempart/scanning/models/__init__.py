"""Models of the scanning app, one module per sub-domain."""

from rempart.scanning.models.findings import Finding, FindingComment, FindingEvent, Observation
from rempart.scanning.models.inventory import Asset, Service
from rempart.scanning.models.reports import Report
from rempart.scanning.models.scans import Scan
from rempart.scanning.models.scopes import (
    Exclusion,
    ScanSchedule,
    ScanWindow,
    Scope,
    ScopeAuthorisation,
)

__all__ = [
    "Asset",
    "Exclusion",
    "Finding",
    "FindingComment",
    "FindingEvent",
    "Observation",
    "Report",
    "Scan",
    "ScanSchedule",
    "ScanWindow",
    "Scope",
    "ScopeAuthorisation",
    "Service",
]
