"""Phishing settings of an establishment: sending profiles (and their test e-mail), e-mail
templates and landing pages (with previews), the starter library, and the deletion of any
settings object.

Previews are shown in a sandboxed iframe (`srcdoc`, no `allow-*` token): the simulated
markup never runs in the platform's origin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.tables import render_list
from rempart.core.views import establishment_view, report_error
from rempart.phishing import selectors
from rempart.phishing.models import EmailTemplate, LandingPage, SendingProfile
from rempart.phishing.sending.rendering import preview_context, render_message, render_page
from rempart.phishing.settings import services
from rempart.phishing.settings.forms import (
    PageForm,
    ProfileForm,
    ProfileTestForm,
    TemplateForm,
    header_formset,
)
from rempart.phishing.settings.library import library_install
from rempart.phishing.settings.views.domains import can_manage
from rempart.phishing.tables import TemplateFilterSet, TemplateTable
from rempart.tenancy.models import Establishment

# kind → (selector, list view name)
KINDS: dict[str, tuple[Callable[..., Any], str]] = {
    "domain": (selectors.domain_get, "phishing:domain_list"),
    "group": (selectors.group_get, "phishing:group_list"),
    "profile": (selectors.profile_get, "phishing:profile_list"),
    "template": (selectors.template_get, "phishing:template_list"),
    "page": (selectors.page_get, "phishing:page_list"),
}


@require_POST
@establishment_view(Action.MANAGE)
def config_delete(
    request: AuthenticatedHttpRequest, establishment: Establishment, kind: str, public_id: Any
) -> HttpResponse:
    if kind not in KINDS:
        raise Http404
    getter, list_view = KINDS[kind]
    instance = getter(
        user=request.user, public_id=public_id, establishment=establishment, action=Action.MANAGE
    )
    try:
        services.config_delete(instance=instance, actor=request.user, ip_address=client_ip(request))
        messages.success(request, _("“%(name)s” has been deleted.") % {"name": instance})
    except ApplicationError as error:
        report_error(request, None, error)
    return redirect(list_view, establishment=establishment.slug)


def _object_form(
    request: AuthenticatedHttpRequest,
    form: Any,
    instance: Any,
    *,
    title: str,
    kind: str,
    headers: Any = None,
) -> HttpResponse:
    return render(
        request,
        "phishing/config/object_form.html",
        {
            "establishment": instance.establishment,
            "form": form,
            "headers": headers,
            "object": instance,
            "title": title if instance.pk is None else str(instance),
            "kind": kind,
            "back": KINDS[kind][1],
        },
    )


# Sending profiles --------------------------------------------------------------------------


@require_safe
@establishment_view(Action.VIEW)
def profile_list(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    templates = selectors.template_list(user=request.user, establishment=establishment)
    profiles = list(selectors.profile_list(user=request.user, establishment=establishment))
    for profile in profiles:  # one test form per profile, with its own element ids
        profile.test_form = ProfileTestForm(  # type: ignore[attr-defined]
            templates=templates, auto_id=f"id_test_{profile.public_id.hex[:8]}_%s"
        )
    return render(
        request,
        "phishing/config/profile_list.html",
        {
            "establishment": establishment,
            "profiles": profiles,
            "can_manage": can_manage(request, establishment),
        },
    )


@establishment_view(Action.MANAGE)
def profile_form(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any = None
) -> HttpResponse:
    profile = (
        selectors.profile_get(
            user=request.user,
            public_id=public_id,
            establishment=establishment,
            action=Action.MANAGE,
        )
        if public_id
        else SendingProfile(establishment=establishment)
    )
    form = ProfileForm(request.POST or None, instance=profile)
    headers = header_formset(request.POST or None, profile)
    if request.method == "POST" and all([form.is_valid(), headers.is_valid()]):
        instance = form.save(commit=False)
        instance.headers = headers.headers()
        try:
            services.profile_save(
                instance=instance,
                actor=request.user,
                password=form.cleaned_data["new_password"],
                ip_address=client_ip(request),
            )
        except (ApplicationError, ValidationError) as error:
            report_error(request, form, error)
        else:
            messages.success(request, _("The sending profile has been saved."))
            return redirect("phishing:profile_list", establishment=establishment.slug)
    title = _("New sending profile")
    return _object_form(request, form, profile, title=title, kind="profile", headers=headers)


@require_POST
@establishment_view(Action.MANAGE)
def profile_test(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    profile = selectors.profile_get(
        user=request.user, public_id=public_id, establishment=establishment, action=Action.MANAGE
    )
    templates = selectors.template_list(user=request.user, establishment=establishment)
    form = ProfileTestForm(request.POST, templates=templates)
    if not form.is_valid():
        messages.error(request, _("Give an address and a template."))
        return redirect("phishing:profile_list", establishment=establishment.slug)
    try:
        services.profile_send_test(
            profile=profile,
            template=form.cleaned_data["template"],
            to=form.cleaned_data["to"],
            actor=request.user,
            ip_address=client_ip(request),
        )
        messages.success(request, _("The test e-mail has been accepted by the server."))
    except ApplicationError as error:
        report_error(request, None, error)
    return redirect("phishing:profile_list", establishment=establishment.slug)


# E-mail templates --------------------------------------------------------------------------


@require_safe
@establishment_view(Action.VIEW)
def template_list(
    request: AuthenticatedHttpRequest, establishment: Establishment
) -> HttpResponseBase:
    filterset = TemplateFilterSet(
        request.GET,
        queryset=selectors.template_list(user=request.user, establishment=establishment),
    )
    return render_list(
        request,
        "phishing/config/template_list.html",
        TemplateTable(filterset.qs.order_by("name", "pk"), establishment=establishment),
        establishment=establishment,
        filter=filterset,
        can_manage=can_manage(request, establishment),
    )


@establishment_view(Action.MANAGE)
def template_form(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any = None
) -> HttpResponse:
    template = (
        selectors.template_get(
            user=request.user,
            public_id=public_id,
            establishment=establishment,
            action=Action.MANAGE,
        )
        if public_id
        else EmailTemplate(establishment=establishment)
    )
    form = TemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_save(
                instance=form.save(commit=False), actor=request.user, ip_address=client_ip(request)
            )
        except (ApplicationError, ValidationError) as error:
            report_error(request, form, error)
        else:
            return redirect(
                "phishing:template_preview",
                establishment=establishment.slug,
                public_id=template.public_id,
            )
    title = _("New e-mail template")
    return _object_form(request, form, template, title=title, kind="template")


@require_safe
@establishment_view(Action.VIEW)
def template_preview(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    template = selectors.template_get(
        user=request.user, public_id=public_id, establishment=establishment
    )
    context = preview_context(establishment=establishment.name, from_name=template.from_name)
    try:
        rendered = render_message(
            subject=template.subject, html=template.html, text=template.text, context=context
        )
    except ApplicationError as error:
        report_error(request, None, error)
        rendered = None
    return render(
        request,
        "phishing/config/template_preview.html",
        {
            "establishment": establishment,
            "template": template,
            "rendered": rendered,
            "can_manage": can_manage(request, establishment),
        },
    )


# Landing pages -----------------------------------------------------------------------------


@require_safe
@establishment_view(Action.VIEW)
def page_list(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    return render(
        request,
        "phishing/config/page_list.html",
        {
            "establishment": establishment,
            "pages": selectors.page_list(user=request.user, establishment=establishment),
            "can_manage": can_manage(request, establishment),
        },
    )


@establishment_view(Action.MANAGE)
def page_form(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any = None
) -> HttpResponse:
    page = (
        selectors.page_get(
            user=request.user,
            public_id=public_id,
            establishment=establishment,
            action=Action.MANAGE,
        )
        if public_id
        else LandingPage(establishment=establishment)
    )
    form = PageForm(request.POST or None, instance=page)
    if request.method == "POST" and form.is_valid():
        try:
            page = services.page_save(
                instance=form.save(commit=False), actor=request.user, ip_address=client_ip(request)
            )
        except (ApplicationError, ValidationError) as error:
            report_error(request, form, error)
        else:
            return redirect(
                "phishing:page_preview", establishment=establishment.slug, public_id=page.public_id
            )
    title = _("New landing page")
    return _object_form(request, form, page, title=title, kind="page")


@require_safe
@establishment_view(Action.VIEW)
def page_preview(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    page = selectors.page_get(user=request.user, public_id=public_id, establishment=establishment)
    try:
        html: str | None = render_page(
            page.html, preview_context(establishment=establishment.name, from_name="")
        )
    except ApplicationError as error:
        report_error(request, None, error)
        html = None
    return render(
        request,
        "phishing/config/page_preview.html",
        {
            "establishment": establishment,
            "page": page,
            "html": html,
            "can_manage": can_manage(request, establishment),
        },
    )


@require_POST
@establishment_view(Action.MANAGE)
def library_install_view(
    request: AuthenticatedHttpRequest, establishment: Establishment
) -> HttpResponse:
    created = library_install(establishment=establishment, actor=request.user)
    messages.success(
        request,
        ngettext(
            "%(count)d starter template or page added.",
            "%(count)d starter templates and pages added.",
            created,
        )
        % {"count": created},
    )
    return redirect("phishing:template_list", establishment=establishment.slug)
