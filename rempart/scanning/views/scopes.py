"""Scopes and what governs them: authorisations, exclusions, windows, schedules."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rempart.audit.services import audit_record
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.tables import render_list
from rempart.core.views import establishment_view, report_error
from rempart.scanning import selectors
from rempart.scanning.filters import ScopeFilterSet
from rempart.scanning.forms import (
    AuthorisationForm,
    ExclusionForm,
    ScheduleForm,
    ScopeForm,
    WindowForm,
)
from rempart.scanning.models import Exclusion, ScanSchedule, ScanWindow, Scope
from rempart.scanning.services import scopes as services
from rempart.scanning.services.reports import export_record
from rempart.scanning.services.scans import valid_authorisation
from rempart.scanning.tables import ScopeTable
from rempart.tenancy import access
from rempart.tenancy.models import Establishment


@require_safe
@establishment_view(Action.VIEW)
def scope_list(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponseBase:
    filterset = ScopeFilterSet(
        request.GET, queryset=selectors.scope_list(user=request.user, establishment=establishment)
    )
    scopes = list(filterset.qs.order_by("-is_active", "name", "pk"))
    for scope in scopes:
        scope.current_authorisation = valid_authorisation(scope)
    return render_list(
        request,
        "scanning/scope_list.html",
        ScopeTable(scopes, establishment=establishment),
        on_export=lambda fmt, rows: _export_record(request, establishment, fmt, rows),
        establishment=establishment,
        filter=filterset,
        exclusions=selectors.exclusion_list(user=request.user, establishment=establishment),
        exclusion_form=ExclusionForm(),
        can_manage=access.can(request.user, Action.MANAGE, establishment),
    )


def _export_record(
    request: AuthenticatedHttpRequest, establishment: Establishment, fmt: str, rows: int
) -> None:
    export_record(
        establishment=establishment,
        actor=request.user,
        what="scopes",
        fmt=fmt,
        filters={k: v for k, v in request.GET.items() if k in ScopeFilterSet.Meta.fields and v},
        rows=rows,
        ip_address=client_ip(request),
    )


@establishment_view(Action.MANAGE)
def scope_form(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any = None
) -> HttpResponse:
    scope = (
        selectors.scope_get(
            user=request.user,
            public_id=public_id,
            action=Action.MANAGE,
            establishment=establishment,
        )
        if public_id
        else Scope(establishment=establishment)
    )
    form = ScopeForm(request.POST or None, instance=scope)
    if request.method == "POST" and form.is_valid():
        try:
            scope = services.scope_save(
                actor=request.user,
                scope=form.save(commit=False),
                confirm_public=form.cleaned_data["confirm_public"],
                ip_address=client_ip(request),
            )
        except (ApplicationError, ValidationError) as error:
            report_error(request, form, error)
        else:
            return redirect(
                "scanning:scope_detail", establishment=establishment.slug, public_id=scope.public_id
            )
    return render(
        request,
        "scanning/scope_form.html",
        {"establishment": establishment, "form": form, "scope": scope},
    )


@require_safe
@establishment_view(Action.VIEW)
def scope_detail(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    scope = selectors.scope_get(user=request.user, public_id=public_id, establishment=establishment)
    return render(
        request,
        "scanning/scope_detail.html",
        {
            "establishment": establishment,
            "scope": scope,
            "authorisation": valid_authorisation(scope),
            "authorisations": scope.authorisations.select_related("recorded_by"),
            "windows": scope.windows.all(),
            "schedules": scope.schedules.all(),
            "scans": selectors.scan_list(user=request.user, establishment=establishment).filter(
                scope=scope
            )[:10],
            "authorisation_form": AuthorisationForm(),
            "window_form": WindowForm(),
            "schedule_form": ScheduleForm(auto_id="id_schedule_%s"),
            "can_manage": access.can(request.user, Action.MANAGE, establishment),
        },
    )


def _back(establishment: Establishment, scope: Scope) -> HttpResponse:
    return redirect(
        "scanning:scope_detail", establishment=establishment.slug, public_id=scope.public_id
    )


@require_POST
@establishment_view(Action.MANAGE)
def authorisation_add(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    scope = selectors.scope_get(
        user=request.user, public_id=public_id, action=Action.MANAGE, establishment=establishment
    )
    form = AuthorisationForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Give the signatory, the dates and (ideally) the document."))
        return _back(establishment, scope)
    try:
        services.authorisation_record(
            actor=request.user, scope=scope, ip_address=client_ip(request), **form.cleaned_data
        )
        messages.success(request, _("The authorisation has been recorded."))
    except (ApplicationError, ValidationError) as error:
        report_error(request, None, error)
    return _back(establishment, scope)


@require_POST
@establishment_view(Action.MANAGE)
def scope_child_add(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any, kind: str
) -> HttpResponse:
    """Add a window or a schedule to a scope."""
    forms = {"window": WindowForm, "schedule": ScheduleForm}
    if kind not in forms:
        raise Http404
    scope = selectors.scope_get(
        user=request.user, public_id=public_id, action=Action.MANAGE, establishment=establishment
    )
    form = forms[kind](request.POST)
    if form.is_valid():
        instance = form.save(commit=False)
        instance.establishment, instance.scope = establishment, scope
        if isinstance(instance, ScanSchedule):
            instance.created_by = request.user
        try:
            services.scoped_save(
                actor=request.user, instance=instance, ip_address=client_ip(request)
            )
            messages.success(request, _("Saved."))
        except (ApplicationError, ValidationError) as error:
            report_error(request, None, error)
    else:
        messages.error(request, _("Check the values entered."))
    return _back(establishment, scope)


CHILD_MODELS: dict[str, Any] = {
    "window": ScanWindow,
    "schedule": ScanSchedule,
    "exclusion": Exclusion,
    "scope": Scope,
}


@require_POST
@establishment_view(Action.MANAGE)
def scoped_delete(
    request: AuthenticatedHttpRequest, establishment: Establishment, kind: str, public_id: Any
) -> HttpResponse:
    model = CHILD_MODELS.get(kind)
    if model is None:
        raise Http404
    instance = selectors.scoped_object_get(
        user=request.user, model=model, public_id=public_id, establishment=establishment
    )
    services.scoped_delete(actor=request.user, instance=instance, ip_address=client_ip(request))
    messages.success(request, _("Deleted."))
    scope = getattr(instance, "scope", None)
    if scope is not None and kind != "scope":
        return _back(establishment, scope)
    return redirect("scanning:scope_list", establishment=establishment.slug)


@require_POST
@establishment_view(Action.MANAGE)
def exclusion_add(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    form = ExclusionForm(request.POST)
    if form.is_valid():
        try:
            services.exclusion_add(
                actor=request.user,
                establishment=establishment,
                target=form.cleaned_data["target"],
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(request),
            )
            messages.success(request, _("The exclusion has been added."))
        except (ApplicationError, ValidationError) as error:
            report_error(request, None, error)
    else:
        messages.error(request, _("Give an address or a network, and the reason."))
    return redirect("scanning:scope_list", establishment=establishment.slug)


@require_safe
@establishment_view(Action.VIEW)
def authorisation_document(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> FileResponse:
    """The signed authorisation document, for people who may see the establishment."""
    item = selectors.authorisation_get(
        user=request.user, public_id=public_id, establishment=establishment
    )
    if not item.document:
        raise Http404
    audit_record(
        actor=request.user,
        verb="scanning.authorisation.downloaded",
        target=item,
        ip_address=client_ip(request),
    )
    return FileResponse(
        item.document.open("rb"), as_attachment=True, filename=item.document.name.rsplit("/", 1)[-1]
    )
