"""Pages of the declared inventory (per establishment) and of the regional catalogue
(operator): thin, the work is in services, selectors and the CSV module."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.views import establishment_view, operator_view, report_error
from rempart.tenancy import access
from rempart.tenancy.models import Establishment
from rempart.threatwatch.inventory import selectors, services
from rempart.threatwatch.inventory.csv_import import (
    InventoryCsvError,
    inventory_csv_preview,
    preview_as_session,
)
from rempart.threatwatch.inventory.forms import (
    CatalogueProductForm,
    CpeFieldsForm,
    DeclaredProductForm,
    InventoryCsvForm,
)
from rempart.threatwatch.inventory.matching import declared_matches, is_end_of_life
from rempart.threatwatch.inventory.models import CatalogueProduct, DeclaredProduct
from rempart.threatwatch.inventory.remote import remote_access_flags
from rempart.threatwatch.inventory.suggest import cpe_suggestions

UPLOAD_SESSION_KEY = "inventory_csv_upload"
PREVIEW_LINES = 100


def _can(request: AuthenticatedHttpRequest, action: Action, establishment: Establishment) -> bool:
    return access.can(request.user, action, establishment)


@require_safe
@establishment_view(Action.VIEW)
def inventory_list(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    return render(
        request,
        "threatwatch/inventory/list.html",
        {
            "establishment": establishment,
            "rows": selectors.inventory_rows(user=request.user, establishment=establishment),
            "flags": remote_access_flags(establishment=establishment),
            "can_change": _can(request, Action.CHANGE, establishment),
        },
    )


@require_safe
@establishment_view(Action.VIEW)
def inventory_detail(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    product = selectors.declared_get(
        user=request.user, establishment=establishment, public_id=public_id
    )
    return render(
        request,
        "threatwatch/inventory/detail.html",
        {
            "establishment": establishment,
            "product": product,
            "matches": declared_matches([product])[product.pk],
            "end_of_life": is_end_of_life(product),
            "can_change": _can(request, Action.CHANGE, establishment),
            "can_delete": _can(request, Action.DELETE, establishment),
        },
    )


@establishment_view(Action.CHANGE)
def inventory_form(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any = None
) -> HttpResponse:
    product = (
        selectors.declared_get(
            user=request.user,
            establishment=establishment,
            public_id=public_id,
            action=Action.CHANGE,
        )
        if public_id
        else DeclaredProduct(establishment=establishment)
    )
    form = DeclaredProductForm(
        request.POST or None, instance=product, establishment_slug=establishment.slug
    )
    if request.method == "POST" and form.is_valid():
        try:
            product = services.declared_product_save(
                instance=form.save(commit=False), actor=request.user, ip_address=client_ip(request)
            )
        except (ApplicationError, ValidationError) as error:
            report_error(request, form, error)
        else:
            messages.success(request, _("Product saved."))
            return redirect("threatwatch:inventory_detail", establishment.slug, product.public_id)
    return render(
        request,
        "threatwatch/inventory/form.html",
        {
            "establishment": establishment,
            "form": form,
            "product": product,
            "title": _("Declare a product") if product.pk is None else str(product),
        },
    )


@require_POST
@establishment_view(Action.DELETE)
def inventory_delete(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    product = selectors.declared_get(
        user=request.user, establishment=establishment, public_id=public_id, action=Action.DELETE
    )
    services.declared_product_delete(
        instance=product, actor=request.user, ip_address=client_ip(request)
    )
    messages.success(request, _("Product removed from the inventory."))
    return redirect("threatwatch:inventory_list", establishment.slug)


@require_safe
@establishment_view(Action.VIEW)
def inventory_suggest(
    request: AuthenticatedHttpRequest, establishment: Establishment
) -> HttpResponse:
    """HTMX: suggestions for `cpe_search`, or (`pick=vendor:product`) the CPE fields filled."""
    pick = request.GET.get("pick", "")
    if pick:
        vendor, _sep, product = pick.partition(":")
        form = CpeFieldsForm(initial={"cpe_vendor": vendor, "cpe_product": product})
        return render(request, "threatwatch/inventory/_cpe_fields.html", {"form": form})
    return render(
        request,
        "threatwatch/inventory/_suggestions.html",
        {
            "establishment": establishment,
            "suggestions": cpe_suggestions(request.GET.get("cpe_search", "")),
        },
    )


# CSV import --------------------------------------------------------------------------------


@establishment_view(Action.CHANGE)
def inventory_import(
    request: AuthenticatedHttpRequest, establishment: Establishment
) -> HttpResponse:
    """GET: the upload form. POST a file: the preview. POST `confirm`: the import."""
    if request.method == "POST" and "confirm" in request.POST:
        return _import_confirm(request, establishment)
    if request.method == "POST" and "cancel" in request.POST:
        request.session.pop(UPLOAD_SESSION_KEY, None)
        return redirect("threatwatch:inventory_list", establishment.slug)
    form = InventoryCsvForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"establishment": establishment, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            preview = inventory_csv_preview(
                establishment=establishment, data=form.cleaned_data["file"].read()
            )
        except InventoryCsvError as error:
            form.add_error("file", str(error.message))
        else:
            token = secrets.token_hex(16)
            if preview.importable:
                request.session[UPLOAD_SESSION_KEY] = {
                    "token": token,
                    "establishment": establishment.pk,
                    "lines": preview_as_session(preview),
                }
            context.update(
                preview=preview,
                token=token,
                lines=preview.lines[:PREVIEW_LINES],
                more_lines=max(0, len(preview.lines) - PREVIEW_LINES),
            )
    return render(request, "threatwatch/inventory/import.html", context)


def _import_confirm(
    request: AuthenticatedHttpRequest, establishment: Establishment
) -> HttpResponse:
    upload = request.session.get(UPLOAD_SESSION_KEY) or {}
    if upload.get("establishment") != establishment.pk or upload.get("token") != request.POST.get(
        "token"
    ):
        messages.error(request, _("The preview has expired: send the file again."))
        return redirect("threatwatch:inventory_import", establishment.slug)
    try:
        created, updated = services.inventory_import(
            establishment=establishment,
            lines=upload["lines"],
            actor=request.user,
            ip_address=client_ip(request),
        )
    except (ApplicationError, ValidationError) as error:
        report_error(request, None, error)  # nothing was written (one transaction)
        return redirect("threatwatch:inventory_import", establishment.slug)
    request.session.pop(UPLOAD_SESSION_KEY, None)
    messages.success(
        request,
        _("Inventory imported: %(created)d products added, %(updated)d updated.")
        % {"created": created, "updated": updated},
    )
    return redirect("threatwatch:inventory_list", establishment.slug)


# Regional catalogue (operator) -------------------------------------------------------------


@require_safe
@operator_view()
def catalogue_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "threatwatch/inventory/catalogue_list.html",
        {"entries": selectors.catalogue_list()},
    )


@operator_view()
def catalogue_form(request: AuthenticatedHttpRequest, public_id: Any = None) -> HttpResponse:
    entry = selectors.catalogue_get(public_id=public_id) if public_id else CatalogueProduct()
    form = CatalogueProductForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        try:
            services.catalogue_product_save(
                instance=form.save(commit=False), actor=request.user, ip_address=client_ip(request)
            )
        except (ApplicationError, ValidationError) as error:
            report_error(request, form, error)
        else:
            messages.success(request, _("Catalogue product saved."))
            return redirect("threatwatch:catalogue_list")
    return render(
        request,
        "threatwatch/inventory/catalogue_form.html",
        {
            "form": form,
            "entry": entry,
            "title": _("New catalogue product") if entry.pk is None else str(entry),
        },
    )


@require_POST
@operator_view()
def catalogue_delete(request: AuthenticatedHttpRequest, public_id: Any) -> HttpResponse:
    entry = selectors.catalogue_get(public_id=public_id)
    services.catalogue_product_delete(
        instance=entry, actor=request.user, ip_address=client_ip(request)
    )
    messages.success(request, _("Catalogue product removed."))
    return redirect("threatwatch:catalogue_list")
