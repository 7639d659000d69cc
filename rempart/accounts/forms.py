"""Forms of the accounts app."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rempart.accounts import scopes
from rempart.accounts.models import User
from rempart.core.forms import DateInput
from rempart.tenancy.choices import OperatorRole


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(
        label=_("Password (again)"), widget=forms.PasswordInput, strip=False
    )

    def __init__(self, *args: Any, email: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") != data.get("password2"):
            raise forms.ValidationError(_("The two passwords differ."))
        if data.get("password1"):
            password_validation.validate_password(data["password1"], User(email=self.email))
        return data


def _default_expiry() -> Any:
    return (timezone.localdate() + timedelta(days=90)).isoformat()


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), widget=forms.CheckboxSelectMultiple, choices=scopes.scope_choices
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        initial=_default_expiry,
        widget=DateInput(),
    )

    def clean_expires_on(self) -> Any:
        value = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if not today < value <= today + timedelta(days=settings.API_TOKEN_MAX_DAYS):
            raise forms.ValidationError(
                _("Choose a date after today and within %(days)d days.")
                % {"days": settings.API_TOKEN_MAX_DAYS}
            )
        return value


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class StaffInviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"))
    groups: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Perimeter groups (empty: all establishments)"),
        required=False,
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, groups: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role_field = self.fields["role"]
        group_field = self.fields["groups"]
        assert isinstance(role_field, forms.ChoiceField)  # noqa: S101  (narrowing for mypy)
        assert isinstance(group_field, forms.ModelMultipleChoiceField)  # noqa: S101
        role_field.choices = OperatorRole.choices
        group_field.queryset = groups


class UnlockForm(forms.Form):
    """Which sign-in wait to lift (a row of the throttling table)."""

    throttle = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
