"""HTML views of the tenancy app: establishment settings, sites, contacts, members, groups."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rempart.accounts import selectors as account_selectors
from rempart.accounts import services as account_services
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.tables import render_list
from rempart.core.views import establishment_view, operator_view
from rempart.tenancy import access, selectors, services
from rempart.tenancy.forms import (
    ContactForm,
    EstablishmentForm,
    GroupForm,
    InviteForm,
    RoleForm,
    SiteForm,
)
from rempart.tenancy.models import Contact, Establishment, EstablishmentGroup, Membership, Site
from rempart.tenancy.tables import (
    EstablishmentFilterSet,
    EstablishmentTable,
    MembershipFilterSet,
    MembershipTable,
)

OWNED_MODELS: dict[str, type[Site | Contact]] = {"site": Site, "contact": Contact}


def _apply_errors(form: Any, error: ValidationError | ApplicationError) -> None:
    if isinstance(error, ApplicationError):
        form.add_error(None, str(error.message))
    elif hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@require_safe
def establishment_list_view(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Every establishment the user can see, to choose one."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    filterset = EstablishmentFilterSet(
        request.GET, queryset=selectors.establishment_list(user=request.user)
    )
    table = EstablishmentTable(filterset.qs)
    return render_list(request, "tenancy/establishment_list.html", table, filter=filterset)


@establishment_view(Action.CHANGE)
def establishment_edit(
    request: AuthenticatedHttpRequest, establishment: Establishment
) -> HttpResponse:
    admin = access.is_operator_admin(request.user)
    form = EstablishmentForm(request.POST or None, instance=establishment, admin=admin)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.fields}
        establishment.refresh_from_db()
        try:
            services.establishment_update(
                actor=request.user,
                establishment=establishment,
                data=data,
                ip_address=client_ip(request),
            )
        except (ValidationError, ApplicationError) as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The establishment has been updated."))
            return redirect("dashboard:establishment", establishment=establishment.slug)
    return render(
        request, "tenancy/establishment_form.html", {"form": form, "establishment": establishment}
    )


@operator_view(admin=True)
def establishment_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = EstablishmentForm(request.POST or None, admin=True)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.fields}
        try:
            establishment = services.establishment_create(
                actor=request.user,
                operator=selectors.default_operator(),
                data=data,
                ip_address=client_ip(request),
            )
        except (ValidationError, ApplicationError) as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The establishment has been created."))
            return redirect("dashboard:establishment", establishment=establishment.slug)
    return render(request, "tenancy/establishment_form.html", {"form": form})


def _owned_form(
    request: AuthenticatedHttpRequest,
    establishment: Establishment,
    model: type[Site | Contact],
    form_class: Any,
    public_id: Any = None,
) -> HttpResponse:
    instance = (
        selectors.owned_get(
            user=request.user, model=model, public_id=public_id, action=Action.CHANGE
        )
        if public_id
        else model(establishment=establishment)
    )
    if instance.establishment_id != establishment.pk:
        return redirect("dashboard:establishment", establishment=establishment.slug)
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.owned_save(
                actor=request.user, instance=form.save(commit=False), ip_address=client_ip(request)
            )
        except (ValidationError, ApplicationError) as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("dashboard:establishment", establishment=establishment.slug)
    return render(
        request,
        "tenancy/owned_form.html",
        {
            "form": form,
            "establishment": establishment,
            "object": instance,
            "kind": model._meta.verbose_name,
            "can_delete": access.can(request.user, Action.DELETE, establishment),
        },
    )


@establishment_view(Action.CHANGE)
def site_form(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any = None
) -> HttpResponse:
    return _owned_form(request, establishment, Site, SiteForm, public_id)


@establishment_view(Action.CHANGE)
def contact_form(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any = None
) -> HttpResponse:
    return _owned_form(request, establishment, Contact, ContactForm, public_id)


@require_POST
@establishment_view(Action.DELETE)
def owned_delete(
    request: AuthenticatedHttpRequest, establishment: Establishment, kind: str, public_id: Any
) -> HttpResponse:
    model = OWNED_MODELS.get(kind)
    if model is None:
        raise Http404
    instance = selectors.owned_get(
        user=request.user, model=model, public_id=public_id, action=Action.DELETE
    )
    services.owned_delete(actor=request.user, instance=instance, ip_address=client_ip(request))
    messages.success(request, _("Deleted."))
    return redirect("dashboard:establishment", establishment=establishment.slug)


@require_safe
@establishment_view(Action.VIEW)
def member_list(
    request: AuthenticatedHttpRequest, establishment: Establishment
) -> HttpResponseBase:
    can_manage = access.can(request.user, Action.MANAGE, establishment)
    invitations = (
        account_selectors.invitation_list(user=request.user, establishment=establishment)
        if can_manage
        else []
    )
    filterset = MembershipFilterSet(
        request.GET,
        queryset=selectors.membership_list(user=request.user, establishment=establishment),
    )
    table = MembershipTable(
        filterset.qs.order_by("user__full_name", "user__email"), can_manage=can_manage
    )
    return render_list(
        request,
        "tenancy/member_list.html",
        table,
        establishment=establishment,
        filter=filterset,
        can_manage=can_manage,
        invitations=invitations,
        invite_form=InviteForm(),
        role_form=RoleForm(),
    )


@require_POST
@establishment_view(Action.MANAGE)
def member_invite(request: AuthenticatedHttpRequest, establishment: Establishment) -> HttpResponse:
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            account_services.invitation_create(
                establishment=establishment,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
                ip_address=client_ip(request),
            )
        except (ValidationError, ApplicationError) as error:
            messages.error(request, str(getattr(error, "message", error)))
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
    else:
        messages.error(request, _("Enter a valid e-mail address and role."))
    return redirect("tenancy:member_list", establishment=establishment.slug)


@require_POST
@establishment_view(Action.MANAGE)
def member_role(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    membership = selectors.owned_get(
        user=request.user, model=Membership, public_id=public_id, action=Action.MANAGE
    )
    form = RoleForm(request.POST)
    if form.is_valid():
        services.membership_set(
            user=membership.user,
            establishment=membership.establishment,
            role=form.cleaned_data["role"],
            actor=request.user,
            ip_address=client_ip(request),
        )
        messages.success(request, _("The role has been changed."))
    return redirect("tenancy:member_list", establishment=establishment.slug)


@require_POST
@establishment_view(Action.MANAGE)
def member_remove(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    membership = selectors.owned_get(
        user=request.user, model=Membership, public_id=public_id, action=Action.MANAGE
    )
    services.membership_remove(
        membership=membership, actor=request.user, ip_address=client_ip(request)
    )
    messages.success(request, _("The member has been removed."))
    return redirect("tenancy:member_list", establishment=establishment.slug)


@require_POST
@establishment_view(Action.MANAGE)
def invitation_revoke(
    request: AuthenticatedHttpRequest, establishment: Establishment, public_id: Any
) -> HttpResponse:
    invitation = account_selectors.invitation_get(user=request.user, public_id=public_id)
    account_services.invitation_revoke(
        invitation=invitation, actor=request.user, ip_address=client_ip(request)
    )
    messages.success(request, _("The invitation has been revoked."))
    return redirect("tenancy:member_list", establishment=establishment.slug)


@require_safe
@operator_view()
def group_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request, "tenancy/group_list.html", {"groups": selectors.group_list(user=request.user)}
    )


@operator_view(admin=True)
def group_form(request: AuthenticatedHttpRequest, public_id: Any = None) -> HttpResponse:
    instance = (
        selectors.group_list(user=request.user).filter(public_id=public_id).first()
        if public_id
        else EstablishmentGroup(operator=selectors.default_operator())
    )
    if instance is None:
        return redirect("tenancy:group_list")
    form = GroupForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_save(
                actor=request.user, group=form.save(commit=False), ip_address=client_ip(request)
            )
        except (ValidationError, ApplicationError) as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("tenancy:group_list")
    return render(request, "tenancy/group_form.html", {"form": form, "object": instance})
