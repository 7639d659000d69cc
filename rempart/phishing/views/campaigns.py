"""Campaign screens: list, draft form, detail with the results, lifecycle actions, CSV."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.views import establishment_view
from rempart.phishing import campaigns as services
from rempart.phishing import selectors, stats
from rempart.phishing.choices import CampaignStatus, ResultsMode
from rempart.phishing.forms_campaigns import CampaignForm
from rempart.phishing.library import library_install
from rempart.phishing.models import Campaign
from rempart.phishing.report_pdf import campaign_report_pdf
from rempart.phishing.views.config import report_error
from rempart.tenancy import access
from rempart.tenancy.models import Establishment

ACTIONS: dict[str, tuple[Callable[..., Any], Action, Any]] = {
    "submit": (services.campaign_submit, Action.CHANGE, gettext_lazy("Sent for approval.")),
    "return": (services.campaign_return_to_draft, Action.CHANGE, gettext_lazy("Back to draft.")),
    "approve": (
        services.campaign_approve,
        Action.MANAGE,
        _("Approved: the campaign is scheduled."),
    ),
    "cancel": (services.campaign_cancel, Action.MANAGE, gettext_lazy("Campaign cancelled.")),
    "close": (services.campaign_close, Action.MANAGE, gettext_lazy("Campaign closed.")),
}


@require_safe
@establishment_view(Action.VIEW)
def campaign_list(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    campaigns = selectors.campaign_list(user=request.user, establishment=establishment)
    return render(
        request,
        "phishing/campaign_list.html",
        {
            "establishment": establishment,
            "rows": stats.campaigns_compared(campaigns),
            "summary": selectors.settings_summary(user=request.user, establishment=establishment),
            "can_change": access.can(request.user, Action.CHANGE, establishment),
            "can_manage": access.can(request.user, Action.MANAGE, establishment),
        },
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
            "can_change": access.can(request.user, Action.CHANGE, establishment),
            "can_manage": access.can(request.user, Action.MANAGE, establishment),
            "min_group": stats.MIN_GROUP,
        },
    )


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
        service(campaign=campaign, actor=request.user)
    except ApplicationError as error:
        report_error(request, None, error)
    else:
        messages.success(request, done)
    return redirect(
        "phishing:campaign_detail", establishment=establishment.slug, public_id=campaign.public_id
    )


@require_safe
@establishment_view(Action.VIEW)
def campaign_export(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> StreamingHttpResponse:
    """Results as CSV, streamed: pseudonyms only (addresses in identified mode only)."""
    campaign = selectors.campaign_get(
        user=request.user, public_id=public_id, establishment=establishment
    )
    identified = campaign.mode == ResultsMode.IDENTIFIED and campaign.purged_at is None
    response = StreamingHttpResponse(
        _csv_rows(campaign, identified=identified), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="campagne-{campaign.public_id}.csv"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


STAMPS = (
    "sent_at",
    "opened_at",
    "clicked_at",
    "confirmed_at",
    "submitted_at",
    "reported_at",
    "trained_at",
)


def _csv_rows(campaign: Campaign, *, identified: bool) -> Iterator[str]:
    writer = csv.writer(_Echo())
    header = ["pseudonym", "variant", "state", *STAMPS]
    yield "\ufeff" + writer.writerow([*header, "email"] if identified else header)
    targets = selectors.campaign_targets(campaign=campaign)
    if identified:
        targets = targets.select_related("recipient")
    for target in targets.iterator(chunk_size=2000):
        row = [target.pseudonym, target.variant.label, target.state]
        row += [getattr(target, s).isoformat() if getattr(target, s) else "" for s in STAMPS]
        if identified:
            row.append(target.recipient.email if target.recipient else "")
        yield writer.writerow(row)


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


@require_POST
@establishment_view(Action.MANAGE)
def library_install_view(
    request: AuthenticatedHttpRequest, establishment: Establishment
) -> HttpResponse:
    created = library_install(establishment=establishment, actor=request.user)
    messages.success(
        request, _("%(count)d starter templates and pages added.") % {"count": created}
    )
    return redirect("phishing:template_list", establishment=establishment.slug)
