"""Timeline: an entry written by hand on a record (the list is shown in place by the
`record_timeline` tag)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.subjects import subject_get
from rempart.core.views import establishment_view, report_error
from rempart.tenancy.models import Establishment
from rempart.timeline import services
from rempart.timeline.forms import EntryForm


@require_POST
@establishment_view(Action.CHANGE)
def entry_add(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    form = EntryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the entry's kind and text."))
        return _back(request, establishment)
    data = form.cleaned_data
    subject = subject_get(data["subject_kind"], data["subject_id"], establishment)
    if subject is None:
        raise Http404
    try:
        services.timeline_add(
            subject=subject,
            author=request.user,
            kind=data["kind"],
            text=data["text"],
            occurred_at=data["occurred_at"],
            ip_address=client_ip(request),
        )
        messages.success(request, _("The entry has been added to the timeline."))
    except ApplicationError as error:
        report_error(request, None, error)
    return _back(request, establishment)


def _back(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("dashboard:establishment", establishment=establishment.slug)
