"""Findings: filtered list, detail with history, and the decisions people take."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rempart.accounts.selectors import user_list
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.tables.views import TABLE_PARAMS, render_list
from rempart.core.views import establishment_view, report_error
from rempart.scanning import selectors
from rempart.scanning.check_texts import check_info
from rempart.scanning.filters import FindingFilterSet
from rempart.scanning.forms import AcceptRiskForm, AssignForm, CommentForm, ReasonForm
from rempart.scanning.services import findings as services
from rempart.scanning.tables import FindingTable
from rempart.tenancy import access
from rempart.tenancy.models import Establishment

DEFAULT_ORDER = (F("priority").asc(nulls_last=True), "-severity_rank", "-last_seen", "pk")


@require_safe
@establishment_view(Action.VIEW)
def finding_list(
    request: AuthenticatedHttpRequest, establishment: Establishment
) -> HttpResponseBase:
    """Filtered, sortable findings (open ones when unfiltered) with bulk decisions."""
    data = request.GET.copy()
    if not data.keys() - set(TABLE_PARAMS):
        data.setlist("active", ["true"])
    filterset = FindingFilterSet(
        data, queryset=selectors.finding_list(user=request.user, establishment=establishment)
    )
    can_change = access.can(request.user, Action.CHANGE, establishment)
    table = FindingTable(
        filterset.qs.order_by(*DEFAULT_ORDER), establishment=establishment, selectable=can_change
    )
    return render_list(
        request,
        "scanning/finding_list.html",
        table,
        export_to={
            fmt: reverse(f"scanning:findings_export_{fmt}", args=[establishment.slug])
            for fmt in ("csv", "xlsx")
        },
        establishment=establishment,
        filter=filterset,
        can_change=can_change,
        can_manage=access.can(request.user, Action.MANAGE, establishment),
        # One form, three submit buttons: no field may block the other decisions.
        assign_form=AssignForm(
            people=people(establishment, request.user), prefix="bulk", use_required_attribute=False
        ),
        accept_form=AcceptRiskForm(prefix="bulk", use_required_attribute=False),
        reason_form=ReasonForm(prefix="bulk-fp", use_required_attribute=False),
    )


def people(establishment: Establishment, user: Any) -> Any:
    """The people a finding of `establishment` may be assigned to."""
    return user_list(user=user).filter(memberships__establishment=establishment).distinct()


@require_safe
@establishment_view(Action.VIEW)
def finding_detail(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    finding = selectors.finding_get(
        user=request.user, public_id=public_id, establishment=establishment
    )
    return render(
        request,
        "scanning/finding_detail.html",
        {
            "establishment": establishment,
            "finding": finding,
            "check": check_info(finding.check_id),
            "events": finding.events.select_related("actor", "scan")[:50],
            "observations": finding.observations.select_related("scan")[:20],
            "comments": finding.comments.select_related("author"),
            "can_change": access.can(request.user, Action.CHANGE, establishment),
            "can_manage": access.can(request.user, Action.MANAGE, establishment),
            "accept_form": AcceptRiskForm(auto_id="id_accept_%s"),
            "reason_form": ReasonForm(),
            "comment_form": CommentForm(),
            "assign_form": AssignForm(
                people=people(establishment, request.user), initial={"assignee": finding.assignee}
            ),
        },
    )


@require_POST
@establishment_view(Action.CHANGE)
def finding_action(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any, action: str
) -> HttpResponse:
    """One POST endpoint per decision: accept, false-positive, reopen, assign, comment."""
    finding = selectors.finding_get(
        user=request.user, public_id=public_id, establishment=establishment
    )
    handlers = {
        "accept": _accept,
        "false-positive": _false_positive,
        "reopen": _reopen,
        "assign": _assign,
        "comment": _comment,
    }
    handler = handlers.get(action)
    if handler is None:
        return HttpResponse(status=404)
    try:
        handler(request, establishment, finding)
    except (ApplicationError, ValidationError) as error:
        report_error(request, None, error)
    return redirect(
        "scanning:finding_detail", establishment=establishment.slug, public_id=finding.public_id
    )


def _accept(request: AuthenticatedHttpRequest, establishment: Establishment, finding: Any) -> None:
    form = AcceptRiskForm(request.POST)
    if not form.is_valid():
        raise ApplicationError(_("Give a justification and an end date."))
    services.finding_accept_risk(
        finding=finding,
        actor=request.user,
        reason=form.cleaned_data["reason"],
        until=form.cleaned_data["until"],
        ip_address=client_ip(request),
    )
    messages.success(request, _("The risk is accepted."))


def _false_positive(
    request: AuthenticatedHttpRequest, establishment: Establishment, finding: Any
) -> None:
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.finding_mark_false_positive(
        finding=finding, actor=request.user, reason=reason, ip_address=client_ip(request)
    )
    messages.success(request, _("Marked as a false positive."))


def _reopen(request: AuthenticatedHttpRequest, establishment: Establishment, finding: Any) -> None:
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.finding_reopen(
        finding=finding, actor=request.user, reason=reason, ip_address=client_ip(request)
    )
    messages.success(request, _("The finding is open again."))


def _assign(request: AuthenticatedHttpRequest, establishment: Establishment, finding: Any) -> None:
    form = AssignForm(request.POST, people=people(establishment, request.user))
    if not form.is_valid():
        raise ApplicationError(_("Choose a member of the establishment."))
    services.finding_assign(
        finding=finding,
        actor=request.user,
        assignee=form.cleaned_data["assignee"],
        ip_address=client_ip(request),
    )
    messages.success(request, _("Assignment saved."))


def _comment(request: AuthenticatedHttpRequest, establishment: Establishment, finding: Any) -> None:
    form = CommentForm(request.POST)
    text = form.cleaned_data["text"] if form.is_valid() else ""
    services.finding_comment(finding=finding, actor=request.user, text=text)
