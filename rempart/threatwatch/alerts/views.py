"""Pages of the threat-watch alerts: exposure, alerts and their follow-up, subscriptions,
bulletins. Thin: resolve, authorise, call a selector or a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.pagination import paginate
from rempart.core.views import establishment_view, operator_view, report_error
from rempart.tenancy.models import Establishment
from rempart.threatwatch.alerts import bulletins, selectors, services
from rempart.threatwatch.alerts.forms import FollowUpForm, PreferenceForm, SubscriptionForm
from rempart.threatwatch.alerts.models import WatchEvent
from rempart.threatwatch.exposure import selectors as exposure


@require_safe
@login_required
def cve_exposure(request: AuthenticatedHttpRequest, cve_id: str) -> HttpResponse:
    context = exposure.cve_exposure(user=request.user, cve_id=cve_id)
    return render(request, "threatwatch/alerts/exposure.html", context)


@require_safe
@login_required
def advisory_exposure(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    context = exposure.advisory_exposure(user=request.user, reference=reference)
    return render(request, "threatwatch/alerts/exposure.html", context)


@require_safe
@establishment_view(Action.VIEW)
def alert_list(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    status = request.GET.get("status", "")
    alerts = selectors.alert_list(user=request.user, establishment=establishment, status=status)
    context = {
        "establishment": establishment,
        "page": paginate(request, alerts),
        "status": status,
        "counts": selectors.alert_counts(user=request.user, establishment=establishment),
    }
    return render(request, "threatwatch/alerts/alert_list.html", context)


@require_safe
@establishment_view(Action.VIEW)
def alert_detail(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: str
) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, establishment=establishment, public_id=public_id)
    form = FollowUpForm(initial={"status": alert.status, "reason": alert.status_reason})
    return _detail(request, establishment, alert, form)


def _detail(
    request: AuthenticatedHttpRequest,
    establishment: Establishment,
    alert: object,
    form: FollowUpForm,
) -> HttpResponse:
    context = {"establishment": establishment, "alert": alert, "form": form}
    return render(request, "threatwatch/alerts/alert_detail.html", context)


@require_POST
@establishment_view(Action.CHANGE)
def alert_follow_up(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: str
) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, establishment=establishment, public_id=public_id)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.alert_follow_up(
                alert=alert, actor=request.user, ip=client_ip(request), **form.cleaned_data
            )
        except (ApplicationError, ValidationError) as error:
            report_error(request, form, error)
        else:
            messages.success(request, _("Follow-up saved."))
            return redirect("threatwatch:alert_detail", establishment.slug, alert.public_id)
    return _detail(request, establishment, alert, form)


@require_safe
@operator_view()
def regional_follow_up(request: AuthenticatedHttpRequest) -> HttpResponse:
    events = selectors.regional_events(user=request.user, kinds=tuple(WatchEvent.Kind.values))
    return render(request, "threatwatch/alerts/regional.html", {"events": events})


@require_safe
@operator_view()
def event_states(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    context = selectors.event_states(user=request.user, reference=reference)
    return render(request, "threatwatch/alerts/event_states.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def subscriptions(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST if "kind" in request.POST else None)
    if request.method == "POST":
        try:
            if "remove" in request.POST:
                services.subscription_remove(user=request.user, public_id=request.POST["remove"])
                return redirect("threatwatch:subscriptions")
            if form.is_valid():
                services.subscription_add(user=request.user, **form.cleaned_data)
                return redirect("threatwatch:subscriptions")
        except (ApplicationError, ValidationError) as error:
            report_error(request, form if form.is_bound else None, error)
    context = {
        **selectors.subscriptions_of(user=request.user),
        "form": form,
        "events": selectors.followed_events(user=request.user),
    }
    context["preference_form"] = PreferenceForm(
        initial={
            "frequency": context["preference"].frequency,
            "bulletin": context["preference"].bulletin,
        }
    )
    return render(request, "threatwatch/alerts/subscriptions.html", context)


@require_POST
@login_required
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PreferenceForm(request.POST)
    if form.is_valid():
        services.preference_set(user=request.user, **form.cleaned_data)
        messages.success(request, _("Alert settings saved."))
    else:
        messages.error(request, _("Choose how you receive the alerts."))
    return redirect("threatwatch:subscriptions")


# Bulletins ----------------------------------------------------------------------------------


@require_safe
@operator_view()
def bulletin_archive(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {"bulletins": selectors.bulletin_list()}
    return render(request, "threatwatch/alerts/bulletin_archive.html", context)


@require_safe
@operator_view()
def bulletin_detail(request: AuthenticatedHttpRequest, week: str) -> HttpResponse:
    bulletin = selectors.bulletin_get(week=week)
    context = {**bulletins.bulletin_context(week=bulletin.week), "week_param": week}
    return render(request, "threatwatch/alerts/bulletin_page.html", context)


@require_safe
@operator_view()
def bulletin_pdf(request: AuthenticatedHttpRequest, week: str) -> HttpResponse:
    bulletin = selectors.bulletin_get(week=week)
    return _pdf(bytes(bulletin.pdf), bulletins.filename_of(bulletin.week))


@require_safe
@establishment_view(Action.VIEW)
def member_bulletin_archive(
    request: AuthenticatedHttpRequest, establishment: Establishment
) -> HttpResponse:
    context = {"bulletins": selectors.bulletin_list(), "establishment": establishment}
    return render(request, "threatwatch/alerts/bulletin_archive.html", context)


@require_safe
@establishment_view(Action.VIEW)
def member_bulletin(
    request: AuthenticatedHttpRequest, establishment: Establishment, week: str
) -> HttpResponse:
    bulletin = selectors.bulletin_get(week=week)
    context = bulletins.bulletin_context(week=bulletin.week, establishment=establishment)
    context["week_param"] = week
    return render(request, "threatwatch/alerts/bulletin_page.html", context)


@require_safe
@establishment_view(Action.VIEW)
def member_bulletin_pdf(
    request: AuthenticatedHttpRequest, establishment: Establishment, week: str
) -> HttpResponse:
    bulletin = selectors.bulletin_get(week=week)
    data = bulletins.bulletin_pdf(week=bulletin.week, establishment=establishment)
    return _pdf(data, bulletins.filename_of(bulletin.week, establishment))


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
