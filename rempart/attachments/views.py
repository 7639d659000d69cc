"""Attachments: upload to a record, download (the only way a stored file is served), review
of evidence, deletion. Each answers for one establishment, through its access checks."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rempart.attachments import selectors, services
from rempart.attachments.forms import ReviewForm, UploadForm
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.subjects import subject_get
from rempart.core.views import establishment_view, report_error
from rempart.tenancy.models import Establishment


def _back(request: HttpRequest, establishment: Establishment) -> HttpResponse:
    """To the page that included the attachments (a `next` on this site), else the
    establishment's home."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("dashboard:establishment", establishment=establishment.slug)


@require_safe
@establishment_view(Action.VIEW)
def attachment_download(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> FileResponse:
    attachment = selectors.attachment_get(
        user=request.user, public_id=public_id, establishment=establishment
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@establishment_view(Action.CHANGE)
def attachment_upload(
    request: AuthenticatedHttpRequest, establishment: Establishment
) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
        return _back(request, establishment)
    data = form.cleaned_data
    owner = subject_get(data["owner_kind"], data["owner_id"], establishment)
    if owner is None:
        raise Http404
    try:
        attachment = services.attachment_add(
            owner=owner,
            upload=data["file"],
            actor=request.user,
            description=data["description"],
            evidence=data["evidence"],
            expires_on=data["expires_on"],
            ip_address=client_ip(request),
        )
        messages.success(request, _("“%(name)s” has been attached.") % {"name": attachment.name})
    except ApplicationError as error:
        report_error(request, None, error)
    return _back(request, establishment)


@require_POST
@establishment_view(Action.CHANGE)
def attachment_review(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    attachment = selectors.attachment_get(
        user=request.user, public_id=public_id, establishment=establishment, action=Action.CHANGE
    )
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid review."))
        return _back(request, establishment)
    try:
        services.attachment_review(
            attachment=attachment,
            actor=request.user,
            status=form.cleaned_data["status"],
            comment=form.cleaned_data["comment"],
            ip_address=client_ip(request),
        )
        messages.success(request, _("The review has been recorded."))
    except ApplicationError as error:
        report_error(request, None, error)
    return _back(request, establishment)


@require_POST
@establishment_view(Action.CHANGE)
def attachment_delete(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    attachment = selectors.attachment_get(
        user=request.user, public_id=public_id, establishment=establishment, action=Action.CHANGE
    )
    try:
        services.attachment_delete(
            attachment=attachment, actor=request.user, ip_address=client_ip(request)
        )
        messages.success(request, _("“%(name)s” has been deleted.") % {"name": attachment.name})
    except ApplicationError as error:
        report_error(request, None, error)
    return _back(request, establishment)
