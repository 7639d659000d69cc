"""Dashboards: the establishment dashboard and the regional one; `/` picks the right one."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from rempart.core.actions import Action
from rempart.core.views import establishment_view, operator_view
from rempart.dashboard import selectors
from rempart.tenancy import access
from rempart.tenancy.models import Establishment
from rempart.tenancy.selectors import establishment_list
from rempart.threatwatch.alerts import selectors as watch_selectors


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Operator staff land on the regional dashboard, members on their establishment."""
    if access.is_operator_staff(request.user):
        return redirect("dashboard:regional")
    visible = establishment_list(user=request.user)
    remembered = request.session.get("establishment")
    if remembered and visible.filter(slug=remembered).exists():
        return redirect("dashboard:establishment", establishment=remembered)
    first = visible.first()
    if first is not None and visible.count() == 1:
        return redirect("dashboard:establishment", establishment=first.slug)
    return render(request, "dashboard/choose.html", {"establishments": visible})


@require_safe
@establishment_view(Action.VIEW)
def establishment(request: HttpRequest, establishment: Establishment) -> HttpResponse:
    context = selectors.establishment_overview(user=request.user, establishment=establishment)
    return render(
        request, "dashboard/establishment.html", {"establishment": establishment, **context}
    )


@require_safe
@operator_view()
def regional(request: HttpRequest) -> HttpResponse:
    context = selectors.regional_overview(user=request.user)
    context["watch_events"] = watch_selectors.regional_events(user=request.user)[:10]
    return render(request, "dashboard/regional.html", context)
