"""Reports by staff: the triage queue, a report, and the report mailboxes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.views import establishment_view
from rempart.phishing.choices import TriageState
from rempart.phishing.models import ReportMailbox
from rempart.phishing.reports import services as reports
from rempart.phishing.reports.forms import ReportFilterForm, ReportMailboxForm, TriageForm
from rempart.phishing.reports.imap import PollResult, mailbox_poll
from rempart.tenancy import access
from rempart.tenancy.models import Establishment


@require_safe
@establishment_view(Action.VIEW)
def report_list(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    """Suspicious messages to triage (filtered by state) and the count of simulation reports."""
    form = ReportFilterForm(request.GET or {"state": "new"})
    state = form.cleaned_data["state"] if form.is_valid() else ""
    counts = reports.report_counts(user=request.user, establishment=establishment)
    return render(
        request,
        "phishing/reports/report_list.html",
        {
            "establishment": establishment,
            "form": form,
            "state": state,
            "reports": reports.report_list(
                user=request.user, establishment=establishment, state=state
            )[:200],
            "counts": counts,
            "tabs": [(value, label, counts[value]) for value, label in TriageState.choices],
        },
    )


@require_safe
@establishment_view(Action.VIEW)
def report_detail(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    report = reports.report_get(user=request.user, establishment=establishment, public_id=public_id)
    return render(
        request,
        "phishing/reports/report_detail.html",
        {
            "establishment": establishment,
            "report": report,
            "triage_form": TriageForm(initial={"state": report.triage_state}),
            "can_triage": access.can(request.user, Action.CHANGE, establishment),
        },
    )


@require_POST
@establishment_view(Action.CHANGE)
def report_triage(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    report = reports.report_get(
        user=request.user, establishment=establishment, public_id=public_id, action=Action.CHANGE
    )
    form = TriageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a triage state."))
    else:
        try:
            reports.report_triage(
                report=report,
                state=form.cleaned_data["state"],
                actor=request.user,
                ip_address=client_ip(request),
            )
            messages.success(request, _("The report has been triaged."))
        except ApplicationError as error:
            messages.error(request, str(error.message))
    return redirect(
        "phishing:report_detail", establishment=establishment.slug, public_id=report.public_id
    )


@require_safe
@establishment_view(Action.VIEW)
def mailbox_list(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    return render(
        request,
        "phishing/reports/mailbox_list.html",
        {
            "establishment": establishment,
            "mailboxes": reports.mailbox_list(user=request.user, establishment=establishment),
            "can_manage": access.can(request.user, Action.MANAGE, establishment),
        },
    )


@establishment_view(Action.MANAGE)
def mailbox_form(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any = None
) -> HttpResponse:
    """Create or edit a report mailbox (the password is never shown back)."""
    mailbox = (
        reports.mailbox_get(
            user=request.user,
            establishment=establishment,
            public_id=public_id,
            action=Action.MANAGE,
        )
        if public_id
        else ReportMailbox(establishment=establishment)
    )
    form = ReportMailboxForm(request.POST or None, instance=mailbox)
    if request.method == "POST" and form.is_valid():
        try:
            reports.mailbox_save(
                mailbox=form.save(commit=False),
                actor=request.user,
                password=form.cleaned_data["password"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The report mailbox has been saved."))
            return redirect("phishing:mailbox_list", establishment=establishment.slug)
    return render(
        request,
        "phishing/reports/mailbox_form.html",
        {"establishment": establishment, "form": form, "mailbox": mailbox},
    )


@require_POST
@establishment_view(Action.MANAGE)
def mailbox_poll_now(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    """Test the connection and read the unseen messages now."""
    mailbox = reports.mailbox_get(
        user=request.user, establishment=establishment, public_id=public_id, action=Action.MANAGE
    )
    result = mailbox_poll(mailbox=mailbox)
    if result.ok:
        messages.success(request, _poll_summary(result))
    else:
        messages.error(
            request, _("The mailbox cannot be read: %(error)s") % {"error": result.error}
        )
    return redirect("phishing:mailbox_list", establishment=establishment.slug)


def _poll_summary(result: PollResult) -> str:
    counts = {
        "fetched": ngettext("%(count)d new message", "%(count)d new messages", result.fetched),
        "simulations": ngettext(
            "%(count)d simulation report", "%(count)d simulation reports", result.simulations
        ),
        "suspicious": ngettext("%(count)d to triage", "%(count)d to triage", result.suspicious),
        "duplicates": ngettext(
            "%(count)d already recorded", "%(count)d already recorded", result.duplicates
        ),
        "failed": ngettext("%(count)d failed", "%(count)d failed", result.failed),
    }
    values = {name: text % {"count": getattr(result, name)} for name, text in counts.items()}
    return (
        _(
            "Connection OK. %(fetched)s: %(simulations)s, %(suspicious)s, %(duplicates)s, "
            "%(failed)s."
        )
        % values
    )
