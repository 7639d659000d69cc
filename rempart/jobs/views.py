"""HTML views of jobs: list, live detail (HTMX polling), cancellation."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from rempart.core.actions import Action
from rempart.core.tables import render_list
from rempart.core.views import establishment_view
from rempart.jobs import selectors
from rempart.jobs.runner import job_cancel
from rempart.jobs.tables import JobRunFilterSet, JobRunTable
from rempart.tenancy.models import Establishment


@require_safe
@login_required
def job_list(request: HttpRequest) -> HttpResponseBase:
    return _list(request, selectors.job_list(user=request.user), None)


@require_safe
@establishment_view(Action.VIEW)
def establishment_job_list(request: HttpRequest, establishment: Establishment) -> HttpResponseBase:
    jobs = selectors.job_list(user=request.user, establishment=establishment)
    return _list(request, jobs, establishment)


def _list(request: HttpRequest, jobs: Any, establishment: Establishment | None) -> HttpResponseBase:
    filterset = JobRunFilterSet(request.GET, queryset=jobs)
    table = JobRunTable(filterset.qs, establishment=establishment)
    return render_list(
        request, "jobs/job_list.html", table, filter=filterset, establishment=establishment
    )


@require_safe
@login_required
def job_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    run = selectors.job_get(user=request.user, public_id=public_id)
    template = (
        "jobs/partials/_job_status.html"
        if getattr(request, "htmx", False)
        else ("jobs/job_detail.html")
    )
    return render(request, template, {"run": run})


@require_POST
@login_required
def job_cancel_view(request: HttpRequest, public_id: Any) -> HttpResponse:
    run = selectors.job_get_for_action(user=request.user, public_id=public_id, action=Action.CHANGE)
    job_cancel(run=run, actor=request.user)
    return redirect("jobs:detail", public_id=run.public_id)
