"""Campaign screens: list, draft form, detail with the results, lifecycle actions, CSV and
PDF, identified results, and the legal kit (printable French documents built from the
campaign's settings)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.core.exports import CSV_TYPE, csv_lines
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.tables import render_list
from rempart.core.views import establishment_view, report_error
from rempart.phishing import selectors
from rempart.phishing.campaigns import legal, services
from rempart.phishing.campaigns.forms import CampaignForm
from rempart.phishing.choices import CampaignStatus
from rempart.phishing.models import Campaign, Target
from rempart.phishing.results import stats
from rempart.phishing.results.report_pdf import campaign_report_pdf
from rempart.phishing.tables import CampaignFilterSet, CampaignTable
from rempart.tenancy import access
from rempart.tenancy.models import Establishment

JUSTIFICATION_MAX = 2000
IDENTIFIED_PAGE = 500
ACTIONS: dict[str, tuple[Callable[..., Any], Action, Any]] = {
    "submit": (services.campaign_submit, Action.CHANGE, gettext_lazy("Sent for approval.")),
    "return": (services.campaign_return_to_draft, Action.CHANGE, gettext_lazy("Back to draft.")),
    "approve": (
        services.campaign_approve,
        Action.MANAGE,
        gettext_lazy("Approved: the campaign is scheduled."),
    ),
    "cancel": (services.campaign_cancel, Action.MANAGE, gettext_lazy("Campaign cancelled.")),
    "close": (services.campaign_close, Action.MANAGE, gettext_lazy("Campaign closed.")),
    "withdraw-identified": (  # the DPO's decision: the service checks the role
        services.campaign_identified_withdraw,
        Action.CHANGE,
        gettext_lazy("Approval of identified results withdrawn."),
    ),
}


@require_safe
@establishment_view(Action.VIEW)
def campaign_list(
    request: AuthenticatedHttpRequest, establishment: Establishment
) -> HttpResponseBase:
    filterset = CampaignFilterSet(
        request.GET,
        queryset=selectors.campaign_list(user=request.user, establishment=establishment),
    )
    return render_list(
        request,
        "phishing/campaign_list.html",
        CampaignTable(filterset.qs.order_by("-created_at", "-pk"), establishment=establishment),
        establishment=establishment,
        filter=filterset,
        summary=selectors.settings_summary(user=request.user, establishment=establishment),
        can_change=access.can(request.user, Action.CHANGE, establishment),
        can_manage=access.can(request.user, Action.MANAGE, establishment),
    )


@establishment_view(Action.CHANGE)
def campaign_form(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any = None
) -> HttpResponse:
    campaign = (
        selectors.campaign_get(
            user=request.user,
            public_id=public_id,
            establishment=establishment,
            action=Action.CHANGE,
        )
        if public_id
        else Campaign(establishment=establishment)
    )
    form = CampaignForm(
        request.POST or None, instance=campaign, user=request.user, establishment=establishment
    )
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_save(
                campaign=form.save(commit=False),
                actor=request.user,
                groups=list(form.cleaned_data["groups"]),
                templates=list(form.cleaned_data["templates"]),
                ip_address=client_ip(request),
            )
        except (ApplicationError, ValidationError) as error:
            report_error(request, form, error)
        else:
            return redirect(
                "phishing:campaign_detail",
                establishment=establishment.slug,
                public_id=campaign.public_id,
            )
    return render(
        request,
        "phishing/campaign_form.html",
        {"establishment": establishment, "form": form, "campaign": campaign},
    )


@require_safe
@establishment_view(Action.VIEW)
def campaign_detail(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    campaign = selectors.campaign_get(
        user=request.user, public_id=public_id, establishment=establishment
    )
    funnel = stats.campaign_funnel(campaign)
    return render(
        request,
        "phishing/campaign_detail.html",
        {
            "establishment": establishment,
            "campaign": campaign,
            "variants": campaign.variants.select_related("template"),
            "funnel": funnel,
            "by_variant": stats.breakdown(campaign, "variant"),
            "by_department": stats.breakdown(campaign, "department"),
            "by_job": stats.breakdown(campaign, "job_family"),
            "audience": services.audience(campaign)
            if campaign.status == CampaignStatus.DRAFT
            else None,
            "min_group": stats.MIN_GROUP,
            **_flags(request.user, establishment, campaign),
        },
    )


def _flags(user: Any, establishment: Establishment, campaign: Campaign) -> dict[str, bool]:
    """Which buttons the detail page shows: the user's rights and the campaign's state,
    judged by the same predicates the services check."""
    change = access.can(user, Action.CHANGE, establishment)
    manage = access.can(user, Action.MANAGE, establishment)
    dpo = services.is_establishment_dpo(user, establishment)
    return {
        "can_change": change,
        "can_edit": change and services.can_edit(campaign),
        "can_submit": change and services.can_submit(campaign),
        "can_return": change and services.can_return(campaign),
        "can_approve": manage
        and services.can_approve(campaign)
        and services.is_second_person(campaign, user),
        "can_cancel": manage and services.can_cancel(campaign),
        "can_close": manage and services.can_close(campaign),
        "can_identified_approve": dpo and services.can_identified_approve(campaign),
        "can_identified_withdraw": dpo and services.can_identified_withdraw(campaign),
        "can_read_identified": services.is_identified(campaign)
        and services.may_read_identified(user, establishment),
    }


@require_POST
@establishment_view(Action.CHANGE)
def campaign_action(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any, action: str
) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    service, needed, done = ACTIONS[action]
    campaign = selectors.campaign_get(
        user=request.user, public_id=public_id, establishment=establishment, action=needed
    )
    try:
        service(campaign=campaign, actor=request.user, ip_address=client_ip(request))
    except ApplicationError as error:
        report_error(request, None, error)
    else:
        messages.success(request, done)
    return redirect(
        "phishing:campaign_detail", establishment=establishment.slug, public_id=campaign.public_id
    )


@require_POST
@establishment_view(Action.CHANGE)
def campaign_identified_approve(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    """The establishment's DPO approves identified results (reason required)."""
    campaign = selectors.campaign_get(
        user=request.user, public_id=public_id, establishment=establishment
    )
    try:
        services.campaign_identified_approve(
            campaign=campaign,
            actor=request.user,
            justification=request.POST.get("justification", "")[:JUSTIFICATION_MAX],
            ip_address=client_ip(request),
        )
    except ApplicationError as error:
        report_error(request, None, error)
    else:
        messages.success(request, _("Identified results approved."))
    return _to_detail(establishment, campaign)


def _to_detail(establishment: Establishment, campaign: Campaign) -> HttpResponse:
    return redirect(
        "phishing:campaign_detail", establishment=establishment.slug, public_id=campaign.public_id
    )


@require_safe
@establishment_view(Action.VIEW)
def campaign_identified(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    """Who did what, for the establishment's referents and DPO once the DPO approved
    identified results; each viewing is audited. Empty after the purge."""
    campaign = selectors.campaign_get(
        user=request.user, public_id=public_id, establishment=establishment
    )
    page = None
    try:
        targets = services.campaign_identified_results(
            campaign=campaign, actor=request.user, ip_address=client_ip(request)
        )
    except PermissionDeniedError as error:
        raise PermissionDenied from error
    except ApplicationError:
        pass  # pseudonymous, not approved, not launched or purged: the page says which
    else:
        page = Paginator(targets, IDENTIFIED_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "phishing/campaign_identified.html",
        {"establishment": establishment, "campaign": campaign, "page": page},
    )


@require_safe
@establishment_view(Action.VIEW)
def campaign_export(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> StreamingHttpResponse:
    """Results as CSV, streamed: pseudonyms only, plus the person for the establishment's
    referents and DPO when identified results are approved (that export is audited)."""
    campaign = selectors.campaign_get(
        user=request.user, public_id=public_id, establishment=establishment
    )
    identified = services.identified_results_available(campaign) and services.may_read_identified(
        request.user, establishment
    )
    targets = (
        services.campaign_identified_results(
            campaign=campaign, actor=request.user, export=True, ip_address=client_ip(request)
        )
        if identified
        else selectors.campaign_targets(campaign=campaign)
    )
    response = StreamingHttpResponse(
        _csv_rows(targets, identified=identified), content_type=CSV_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="campagne-{campaign.public_id}.csv"'
    return response


IDENTIFIED_COLUMNS = ("last_name", "first_name", "email", "department")
# The export's column titles, in the reader's language.
COLUMN_TITLES = {
    "pseudonym": gettext_lazy("Pseudonym"),
    "variant": gettext_lazy("Variant"),
    "state": gettext_lazy("State"),
    "sent_at": gettext_lazy("Sent"),
    "opened_at": gettext_lazy("Opened"),
    "clicked_at": gettext_lazy("Clicked"),
    "confirmed_at": gettext_lazy("Clicked (confirmed)"),
    "submitted_at": gettext_lazy("Submitted"),
    "reported_at": gettext_lazy("Reported"),
    "trained_at": gettext_lazy("Trained"),
    "last_name": gettext_lazy("Last name"),
    "first_name": gettext_lazy("First name"),
    "email": gettext_lazy("E-mail"),
    "department": gettext_lazy("Service"),
}


def _csv_rows(targets: QuerySet[Target], *, identified: bool) -> Iterator[str]:
    """One row per target; the person's columns only when `identified` (the caller has
    checked the approval and the reader, and audited the export). Every cell that a
    spreadsheet would read as a formula is defused by the CSV writer."""
    header = ["pseudonym", "variant", "state", *selectors.TARGET_STAMPS]
    columns = [*header, *IDENTIFIED_COLUMNS] if identified else header
    return csv_lines(
        [str(COLUMN_TITLES[column]) for column in columns],
        (_target_row(target, identified) for target in targets.iterator(chunk_size=2000)),
    )


def _target_row(target: Target, identified: bool) -> list[str]:
    row = [target.pseudonym, target.variant.label, target.state]
    row += [
        getattr(target, s).isoformat() if getattr(target, s) else ""
        for s in selectors.TARGET_STAMPS
    ]
    return row + _person(target) if identified else row


def _person(target: Target) -> list[str]:
    """The person's columns, from the imported staff directory."""
    person = target.recipient
    if person is None:  # cut by the purge
        return ["", "", "", target.department]
    return [person.last_name, person.first_name, person.email, target.department]


@require_safe
@establishment_view(Action.VIEW)
def campaign_report(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    """The campaign's PDF report (aggregates only; a few seconds to lay out)."""
    campaign = selectors.campaign_get(
        user=request.user, public_id=public_id, establishment=establishment
    )
    response = HttpResponse(campaign_report_pdf(campaign), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="campagne-{campaign.public_id}.pdf"'
    return response


@require_safe
@establishment_view(Action.VIEW)
def legal_document(
    request: AuthenticatedHttpRequest,
    establishment: Establishment,
    public_id: UUID,
    document: str,
) -> HttpResponse:
    """One document of the kit (`notice`, `consultation` or `record`); 404 for any other."""
    if document not in legal.DOCUMENTS:
        raise Http404
    campaigns = Campaign.objects.visible_to(request.user).filter(establishment=establishment)
    campaign = get_object_or_404(campaigns, public_id=public_id)
    template, title = legal.DOCUMENTS[document]
    context = {**legal.legal_context(campaign), "document": document, "document_title": title}
    return render(request, template, context)
