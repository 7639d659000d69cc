"""Recipient groups of an establishment and the CSV import of staff directories (upload →
preview → confirm)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.tables import render_list
from rempart.core.views import establishment_view, report_error
from rempart.phishing import selectors
from rempart.phishing.models import RecipientGroup
from rempart.phishing.settings import recipients, services
from rempart.phishing.settings.forms import CsvUploadForm, GroupForm
from rempart.phishing.settings.recipients import (
    MAX_CSV_BYTES,
    CsvPreview,
    RecipientCsvError,
    recipients_csv_import,
    recipients_csv_preview,
)
from rempart.phishing.settings.views.domains import can_manage
from rempart.phishing.tables import GroupFilterSet, GroupTable
from rempart.tenancy.models import Establishment

UPLOAD_SESSION_KEY = "phishing_csv_upload"
PREVIEW_LINES = 50


# Recipient groups --------------------------------------------------------------------------


@require_safe
@establishment_view(Action.VIEW)
def group_list(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponseBase:
    filterset = GroupFilterSet(
        request.GET, queryset=selectors.group_list(user=request.user, establishment=establishment)
    )
    return render_list(
        request,
        "phishing/config/group_list.html",
        GroupTable(filterset.qs.order_by("name", "pk"), establishment=establishment),
        establishment=establishment,
        filter=filterset,
        can_manage=can_manage(request, establishment),
    )


@require_safe
@establishment_view(Action.VIEW)
def group_detail(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    group = selectors.group_get(user=request.user, public_id=public_id, establishment=establishment)
    return render(
        request,
        "phishing/config/group_detail.html",
        {
            "establishment": establishment,
            "group": group,
            "recipients": selectors.recipient_list(user=request.user, group=group),
            "can_manage": can_manage(request, establishment),
        },
    )


@establishment_view(Action.MANAGE)
def group_form(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any = None
) -> HttpResponse:
    group = (
        selectors.group_get(
            user=request.user,
            public_id=public_id,
            establishment=establishment,
            action=Action.MANAGE,
        )
        if public_id
        else RecipientGroup(establishment=establishment)
    )
    form = GroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_save(
                instance=form.save(commit=False), actor=request.user, ip_address=client_ip(request)
            )
        except (ApplicationError, ValidationError) as error:
            report_error(request, form, error)
        else:
            return redirect(
                "phishing:group_detail", establishment=establishment.slug, public_id=group.public_id
            )
    return render(
        request,
        "phishing/config/object_form.html",
        {
            "establishment": establishment,
            "form": form,
            "object": group,
            "title": _("New recipient group") if group.pk is None else str(group),
            "kind": "group",
            "back": "phishing:group_list",
        },
    )


# CSV import --------------------------------------------------------------------------------


@establishment_view(Action.MANAGE)
def group_import(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    """GET: the upload form. POST a file: the preview. POST `confirm`: the import."""
    group = selectors.group_get(
        user=request.user, public_id=public_id, establishment=establishment, action=Action.MANAGE
    )
    if request.method == "POST" and "confirm" in request.POST:
        return _import_confirm(request, group)
    if request.method == "POST" and "cancel" in request.POST:
        _forget_upload(request)
        return redirect(
            "phishing:group_detail", establishment=establishment.slug, public_id=group.public_id
        )
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        response = _import_preview(request, group, form)
        if response is not None:
            return response
    return _import_page(request, group, form=form)


def _import_page(
    request: AuthenticatedHttpRequest, group: RecipientGroup, **context: Any
) -> HttpResponse:
    return render(
        request,
        "phishing/config/group_import.html",
        {"establishment": group.establishment, "group": group, **context},
    )


def _import_preview(
    request: AuthenticatedHttpRequest, group: RecipientGroup, form: CsvUploadForm
) -> HttpResponse | None:
    upload = form.cleaned_data["file"]
    data = upload.read(MAX_CSV_BYTES + 1)
    try:
        preview = recipients_csv_preview(group=group, data=data)
    except RecipientCsvError as error:
        report_error(request, form, error)
        return None
    _forget_upload(request)
    upload_id = recipients.upload_store(data)
    request.session[UPLOAD_SESSION_KEY] = {"id": upload_id, "group": str(group.public_id)}
    return _import_page(
        request,
        group,
        preview=preview,
        lines=preview.lines[:PREVIEW_LINES],
        more_lines=max(len(preview.lines) - PREVIEW_LINES, 0),
    )


def _import_confirm(request: AuthenticatedHttpRequest, group: RecipientGroup) -> HttpResponse:
    stored = request.session.get(UPLOAD_SESSION_KEY) or {}
    back = redirect(
        "phishing:group_import", establishment=group.establishment.slug, public_id=group.public_id
    )
    if stored.get("group") != str(group.public_id):
        messages.error(request, _("The uploaded file has expired: upload it again."))
        return back
    try:
        data = recipients.upload_load(stored["id"])
        result = recipients_csv_import(
            group=group, data=data, actor=request.user, ip_address=client_ip(request)
        )
    except ApplicationError as error:
        _forget_upload(request)
        report_error(request, None, error)
        return back
    _forget_upload(request)
    messages.success(request, _import_summary(result))
    return redirect(
        "phishing:group_detail", establishment=group.establishment.slug, public_id=group.public_id
    )


def _import_summary(result: CsvPreview) -> str:
    refused = len(result.problems)
    return _("Import done: %(added)s, %(updated)s, %(refused)s.") % {
        "added": ngettext("%(count)d added", "%(count)d added", result.new) % {"count": result.new},
        "updated": ngettext("%(count)d updated", "%(count)d updated", result.updated)
        % {"count": result.updated},
        "refused": ngettext("%(count)d line left out", "%(count)d lines left out", refused)
        % {"count": refused},
    }


def _forget_upload(request: AuthenticatedHttpRequest) -> None:
    stored = request.session.pop(UPLOAD_SESSION_KEY, None) or {}
    if stored.get("id"):
        recipients.upload_discard(str(stored["id"]))
