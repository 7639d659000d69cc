"""Forms of the probes pages (the rules live in `services` and `jobs`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rempart.scanning.choices import Policy
from rempart.scanning.models import Scope
from rempart.tenancy.models import Site


class EnrolmentCodeForm(forms.Form):
    probe_name = forms.CharField(label=_("Probe name"), max_length=200)
    site: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.none(), required=False
    )

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site_field().queryset = sites

    def site_field(self) -> forms.ModelChoiceField[Any]:
        field = self.fields["site"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101  (narrowing for mypy)
        return field


class ProbeScanForm(forms.Form):
    scope: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Scope"), queryset=Scope.objects.none()
    )
    policy = forms.ChoiceField(label=_("Policy"), choices=Policy.choices, initial=Policy.STANDARD)

    def __init__(self, *args: Any, scopes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope_field().queryset = scopes

    def scope_field(self) -> forms.ModelChoiceField[Any]:
        field = self.fields["scope"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101  (narrowing for mypy)
        return field
