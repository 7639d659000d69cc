"""Reads of the reports feature, always through `visible_to` (reports, exported rows)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404, QueryDict

from rempart.scanning import selectors
from rempart.scanning.filters import AssetFilterSet, FindingFilterSet
from rempart.scanning.models import Asset, Finding, Report


def report_list(*, user: Any, establishment: Any) -> QuerySet[Report]:
    reports = Report.objects.visible_to(user).filter(establishment=establishment)
    return reports.select_related("job", "created_by", "establishment")


def report_get(*, user: Any, establishment: Any, public_id: UUID) -> Report:
    """A report of `establishment` the user may see, or 404 (absent and "not yours" alike)."""
    try:
        return report_list(user=user, establishment=establishment).get(public_id=public_id)
    except Report.DoesNotExist as exc:
        raise Http404 from exc


def finding_filter_data(params: QueryDict) -> QueryDict:
    """The findings list's defaults: without any filter, open findings only."""
    data = params.copy()
    if not data:
        data.setlist("active", ["true"])
    return data


def findings_for_export(*, user: Any, establishment: Any, params: QueryDict) -> QuerySet[Finding]:
    """The findings the findings list would show with the same filters, in a stable order."""
    findings = selectors.finding_list(user=user, establishment=establishment)
    filterset = FindingFilterSet(finding_filter_data(params), queryset=findings)
    result: QuerySet[Finding] = filterset.qs.order_by("asset__address", "port", "check_id", "pk")
    return result


def assets_for_export(*, user: Any, establishment: Any, params: QueryDict) -> QuerySet[Asset]:
    assets = selectors.asset_list(user=user, establishment=establishment)
    result: QuerySet[Asset] = AssetFilterSet(params, queryset=assets).qs.order_by("address", "pk")
    return result


def applied_filters(params: QueryDict) -> dict[str, list[str]]:
    """The filters of an export as recorded in the audit log."""
    return {key: params.getlist(key) for key in sorted(params)}
