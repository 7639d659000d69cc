"""Forms of the tenancy app (validation lives in the models and services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rempart.tenancy.choices import MemberRole
from rempart.tenancy.models import Contact, Establishment, EstablishmentGroup, Site


class EstablishmentForm(forms.ModelForm[Establishment]):
    class Meta:
        model = Establishment
        fields = [
            "name",
            "finess_et",
            "finess_ej",
            "legal_entity_name",
            "siret",
            "category",
            "street",
            "postal_code",
            "city",
            "group",
            "is_operator_own",
            "require_mfa",
            "is_active",
        ]

    def __init__(self, *args: Any, admin: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not admin:
            for name in ("group", "is_operator_own", "is_active"):
                self.fields.pop(name)

    def validate_unique(self) -> None:
        """Uniqueness is checked by the service (one clear message, no double query)."""


class GroupForm(forms.ModelForm[EstablishmentGroup]):
    class Meta:
        model = EstablishmentGroup
        fields = ["name", "kind", "code", "support_establishment"]


class SiteForm(forms.ModelForm[Site]):
    class Meta:
        model = Site
        fields = ["name", "street", "postal_code", "city"]


class ContactForm(forms.ModelForm[Contact]):
    class Meta:
        model = Contact
        fields = ["role", "full_name", "email", "phone"]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)
