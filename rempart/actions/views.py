"""Pages of the action plan: the establishment's list (filters, CSV), the regional list for
the operator, create/edit forms and status changes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rempart.actions import selectors, services
from rempart.actions.choices import ActionStatus
from rempart.actions.forms import ActionItemForm, FilterForm, StatusForm
from rempart.actions.models import ActionItem
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.exports import CSV_TYPE, csv_lines
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.pagination import paginate
from rempart.core.subjects import subject_code, subject_get
from rempart.core.views import establishment_view, operator_view, report_error
from rempart.tenancy import access
from rempart.tenancy.models import Establishment

CSV_COLUMNS = [
    "establishment",
    "title",
    "status",
    "priority",
    "owner",
    "due_date",
    "overdue",
    "source_kind",
    "source",
    "created_at",
    "closed_at",
    "abandon_reason",
]


def _rows(items: QuerySet[ActionItem]) -> Any:
    today = selectors.today()
    listed = list(items)
    sources = selectors.sources_of(listed)
    for item in listed:
        source = sources.get((item.source_kind, item.source_id))  # type: ignore[arg-type]
        yield [
            item.establishment.name,
            item.title,
            item.get_status_display(),
            item.get_priority_display(),
            item.owner.email if item.owner else "",
            item.due_date,
            item.is_overdue(today),
            item.source_kind,
            str(source) if source else "",
            item.created_at,
            item.closed_at,
            item.abandon_reason,
        ]


def _csv(request: AuthenticatedHttpRequest, items: QuerySet[ActionItem], establishment: Any) -> Any:
    services.actions_export_audit(
        actor=request.user, establishment=establishment, count=items.count()
    )
    response = StreamingHttpResponse(csv_lines(CSV_COLUMNS, _rows(items)), content_type=CSV_TYPE)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="plan-action-{stamp}.csv"'
    return response


def _list_page(
    request: AuthenticatedHttpRequest, establishment: Any, users: Any, template: str
) -> Any:
    form = FilterForm(request.GET or None, users=users)
    items = selectors.action_list(user=request.user, filters=form.filters(establishment))
    if request.GET.get("format") == "csv":
        return _csv(request, items, establishment)
    page = paginate(request, items)
    return render(
        request,
        template,
        {
            "establishment": establishment,
            "form": form,
            "page": page,
            "items": selectors.with_sources(list(page.object_list)),
            "today": selectors.today(),
            "statuses": ActionStatus.choices,
            "can_change": establishment is not None
            and access.can(request.user, Action.CHANGE, establishment),
        },
    )


@require_safe
@establishment_view(Action.VIEW)
def action_list(request: AuthenticatedHttpRequest, establishment: Establishment) -> Any:
    users = selectors.assignable_users(establishment)
    return _list_page(request, establishment, users, "actions/action_list.html")


@require_safe
@operator_view()
def operator_action_list(request: AuthenticatedHttpRequest) -> Any:
    """Every item of the operator's perimeter; members never reach this page."""
    users = selectors.assignable_users_of_perimeter(request.user)
    return _list_page(request, None, users, "actions/operator_list.html")


def _source_from(request: HttpRequest, establishment: Establishment) -> Any:
    """The record a new item comes from (`source_kind` and `source_id` in the query or the
    body), or None; a record of another establishment is never found."""
    kind = request.POST.get("source_kind") or request.GET.get("source_kind") or ""
    public_id = request.POST.get("source_id") or request.GET.get("source_id")
    return subject_get(kind, public_id, establishment) if kind else None


@establishment_view(Action.CHANGE)
def action_form(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any = None
) -> HttpResponse:
    item = (
        selectors.action_get(
            user=request.user,
            public_id=public_id,
            establishment=establishment,
            action=Action.CHANGE,
        )
        if public_id
        else ActionItem(establishment=establishment)
    )
    source = None if item.pk else _source_from(request, establishment)
    form = ActionItemForm(request.POST or None, instance=item, establishment=establishment)
    if request.method == "POST" and form.is_valid():
        try:
            _save(request, form, item, source)
        except (ApplicationError, ValidationError) as error:
            report_error(request, form, error)
        else:
            messages.success(request, _("The action has been saved."))
            return redirect(_safe_next(request) or _list_url(establishment))
    return render(
        request,
        "actions/action_form.html",
        {
            "establishment": establishment,
            "form": form,
            "item": item,
            "source": source,
            "source_kind": subject_code(source) if source is not None else "",
            "next": _safe_next(request),
        },
    )


def _save(
    request: AuthenticatedHttpRequest, form: ActionItemForm, item: ActionItem, source: Any
) -> None:
    data = {name: form.cleaned_data[name] for name in services.EDITABLE}
    if item.pk:
        services.action_update(item=item, actor=request.user, ip_address=client_ip(request), **data)
    else:
        services.action_create(
            establishment=item.establishment,
            actor=request.user,
            source=source,
            ip_address=client_ip(request),
            **data,
        )


def _list_url(establishment: Establishment) -> str:
    return reverse("actions:action_list", args=[establishment.slug])


def _safe_next(request: HttpRequest) -> str:
    """A `next` address on this site only (the page that included the form)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts=None) else ""


@require_POST
@establishment_view(Action.CHANGE)
def action_status(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    item = selectors.action_get(
        user=request.user, public_id=public_id, establishment=establishment, action=Action.CHANGE
    )
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
    else:
        try:
            services.action_set_status(
                item=item,
                actor=request.user,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(request),
            )
            messages.success(request, _("The action's status has been changed."))
        except ApplicationError as error:
            report_error(request, None, error)
    return redirect(_safe_next(request) or _list_url(establishment))
