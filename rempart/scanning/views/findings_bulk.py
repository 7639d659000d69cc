"""Bulk decisions on the findings selected in the list: one POST route per decision."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.views import establishment_view, report_error
from rempart.scanning.forms import AcceptRiskForm, AssignForm, ReasonForm
from rempart.scanning.services import findings_bulk as services
from rempart.scanning.views.findings import people
from rempart.tenancy import access
from rempart.tenancy.models import Establishment

FIELD = "findings"


def _assign(request: AuthenticatedHttpRequest, establishment: Establishment) -> int:
    form = AssignForm(request.POST, people=people(establishment, request.user), prefix="bulk")
    if not form.is_valid():
        raise ApplicationError(_("Choose a member of the establishment."))
    return services.findings_bulk_assign(
        actor=request.user,
        establishment=establishment,
        public_ids=request.POST.getlist(FIELD),
        assignee=form.cleaned_data["assignee"],
        ip_address=client_ip(request),
    )


def _accept(request: AuthenticatedHttpRequest, establishment: Establishment) -> int:
    if not access.can(request.user, Action.MANAGE, establishment):
        raise PermissionDeniedError(_("You cannot accept these risks."))
    form = AcceptRiskForm(request.POST, prefix="bulk")
    if not form.is_valid():
        raise ApplicationError(_("Give a justification and an end date."))
    return services.findings_bulk_accept_risk(
        actor=request.user,
        establishment=establishment,
        public_ids=request.POST.getlist(FIELD),
        reason=form.cleaned_data["reason"],
        until=form.cleaned_data["until"],
        ip_address=client_ip(request),
    )


def _false_positive(request: AuthenticatedHttpRequest, establishment: Establishment) -> int:
    form = ReasonForm(request.POST, prefix="bulk-fp")
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return services.findings_bulk_mark_false_positive(
        actor=request.user,
        establishment=establishment,
        public_ids=request.POST.getlist(FIELD),
        reason=reason,
        ip_address=client_ip(request),
    )


HANDLERS: dict[str, Callable[[AuthenticatedHttpRequest, Establishment], int]] = {
    "assign": _assign,
    "accept": _accept,
    "false-positive": _false_positive,
}


def _done(action: str, count: int) -> str:
    texts = {
        "assign": ngettext(
            "%(count)d vulnerability assigned.", "%(count)d vulnerabilities assigned.", count
        ),
        "accept": ngettext("%(count)d risk accepted.", "%(count)d risks accepted.", count),
        "false-positive": ngettext(
            "%(count)d vulnerability marked as a false positive.",
            "%(count)d vulnerabilities marked as false positives.",
            count,
        ),
    }
    return texts[action] % {"count": count}


@require_POST
@establishment_view(Action.CHANGE)
def finding_bulk(
    request: AuthenticatedHttpRequest, establishment: Establishment, action: str
) -> HttpResponse:
    """Apply one decision to every selected finding, then go back to the same list."""
    handler = HANDLERS.get(action)
    if handler is None:
        return HttpResponse(status=404)
    try:
        count = handler(request, establishment)
    except (ApplicationError, ValidationError) as error:
        report_error(request, None, error)
    else:
        messages.success(request, _done(action, count))
    # Back to the list with the same filters, sort and page (only ever that list).
    listing = reverse("scanning:finding_list", args=[establishment.slug])
    back = request.POST.get("next", "")
    return redirect(back if back.startswith(listing + "?") else listing)
