"""Pages of the threat-watch alerts: exposure, alerts and their follow-up, subscriptions,
bulletins. Thin: resolve, authorise, call a selector or a service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from rempart.core.http import AuthenticatedHttpRequest
from rempart.threatwatch.exposure import selectors as exposure


@require_safe
@login_required
def cve_exposure(request: AuthenticatedHttpRequest, cve_id: str) -> HttpResponse:
    context = exposure.cve_exposure(user=request.user, cve_id=cve_id)
    return render(request, "threatwatch/alerts/exposure.html", context)


@require_safe
@login_required
def advisory_exposure(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    context = exposure.advisory_exposure(user=request.user, reference=reference)
    return render(request, "threatwatch/alerts/exposure.html", context)
