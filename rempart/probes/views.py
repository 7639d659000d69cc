"""Probes of an establishment: health, enrolment codes (shown once), revocation, and scans
of a scope handed to a probe."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.views import establishment_view, report_error
from rempart.probes import dist, jobs, selectors, services
from rempart.probes.choices import Health, JobStatus
from rempart.probes.forms import EnrolmentCodeForm, ProbeScanForm
from rempart.scanning import selectors as scanning_selectors
from rempart.tenancy import access
from rempart.tenancy.models import Establishment, Site


def _list(establishment: Establishment) -> HttpResponse:
    return redirect("probes:probe_list", establishment=establishment.slug)


def _sites(establishment: Establishment) -> Any:
    return Site.objects.for_establishment(establishment)


@require_safe
@establishment_view(Action.VIEW)
def probe_list(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    rows = selectors.probe_list(user=request.user, establishment=establishment)
    scopes = scanning_selectors.scope_list(user=request.user, establishment=establishment)
    return render(
        request,
        "probes/probe_list.html",
        {
            "establishment": establishment,
            "rows": rows,
            "silent": [r.probe for r in rows if r.health == Health.SILENT],
            "jobs": selectors.job_list(user=request.user, establishment=establishment),
            "can_manage": access.can(request.user, Action.MANAGE, establishment),
            "can_change": access.can(request.user, Action.CHANGE, establishment),
            "active_jobs": (JobStatus.PENDING, JobStatus.SENT),
            "code_form": EnrolmentCodeForm(sites=_sites(establishment)),
            "scan_form": ProbeScanForm(scopes=scopes),
        },
    )


@require_POST
@establishment_view(Action.MANAGE)
def code_create(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    form = EnrolmentCodeForm(request.POST, sites=_sites(establishment))
    if not form.is_valid():
        messages.error(request, _("Give the probe a name."))
        return _list(establishment)
    try:
        enrolment, code = services.enrolment_code_create(
            establishment=establishment,
            probe_name=form.cleaned_data["probe_name"],
            site=form.cleaned_data["site"],
            actor=request.user,
            ip_address=client_ip(request),
        )
    except ApplicationError as error:
        report_error(request, None, error)
        return _list(establishment)
    response = render(
        request,
        "probes/code.html",
        {
            "establishment": establishment,
            "enrolment": enrolment,
            "code": code,
            "server": request.build_absolute_uri("/").rstrip("/"),
            "wheel": dist.wheel_name(),
        },
    )
    add_never_cache_headers(response)
    return response


@require_POST
@establishment_view(Action.MANAGE)
def probe_revoke(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    probe = selectors.probe_get(
        user=request.user, public_id=public_id, establishment=establishment, action=Action.MANAGE
    )
    try:
        services.probe_revoke(probe=probe, actor=request.user, ip_address=client_ip(request))
        messages.success(request, _("“%(name)s” has been revoked.") % {"name": probe.name})
    except ApplicationError as error:
        report_error(request, None, error)
    return _list(establishment)


@require_POST
@establishment_view(Action.CHANGE)
def job_cancel(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    job = selectors.job_get(
        user=request.user, public_id=public_id, establishment=establishment, action=Action.CHANGE
    )
    try:
        jobs.job_cancel(job=job, actor=request.user, ip_address=client_ip(request))
        messages.success(request, _("The probe job is cancelled."))
    except ApplicationError as error:
        report_error(request, None, error)
    return _list(establishment)


@require_POST
@establishment_view(Action.CHANGE)
def probe_scan(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    probe = selectors.probe_get(
        user=request.user, public_id=public_id, establishment=establishment, action=Action.CHANGE
    )
    scopes = scanning_selectors.scope_list(user=request.user, establishment=establishment)
    form = ProbeScanForm(request.POST, scopes=scopes)
    if not form.is_valid():
        messages.error(request, _("Choose a scope and a policy."))
        return _list(establishment)
    try:
        jobs.probe_scan_request(
            probe=probe,
            scope=form.cleaned_data["scope"],
            actor=request.user,
            policy=form.cleaned_data["policy"],
            ip_address=client_ip(request),
        )
    except (ApplicationError, ValidationError) as error:
        report_error(request, None, error)
        return _list(establishment)
    messages.success(
        request, _("The scan will be run by the probe “%(name)s”.") % {"name": probe.name}
    )
    return _list(establishment)
