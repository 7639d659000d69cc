"""The operator's regional comparison of phishing campaigns (`/operator/phishing/`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from rempart.core.views import operator_view
from rempart.phishing.results import compare, stats
from rempart.tenancy.selectors import establishment_list

ALL_PERIODS = "all"


@require_safe
@operator_view()
def operator_compare(request: HttpRequest) -> HttpResponse:
    """Same lure, same quarter: one line per establishment of the operator's perimeter.
    `?period=2025-Q2` picks a quarter, `?period=all` every quarter; by default the latest
    quarter with a campaign."""
    establishments = establishment_list(user=request.user)
    periods = compare.comparison_periods(establishments=establishments)
    wanted = request.GET.get("period", "")
    period = compare.Period.parse(wanted) or (periods[0] if periods else None)
    if wanted == ALL_PERIODS:
        period = None
    return render(
        request,
        "phishing/operator_compare.html",
        {
            "groups": compare.comparison_groups(establishments=establishments, period=period),
            "periods": periods,
            "period": period,
            "all_periods": ALL_PERIODS,
            "min_group": stats.MIN_GROUP,
        },
    )
