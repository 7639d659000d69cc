"""Forms of the scanning app (rules live in the models and services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rempart.core.forms import DateInput
from rempart.scanning.choices import AssetClass, Criticality, Policy
from rempart.scanning.models import Asset, Exclusion, ScanSchedule, ScanWindow, Scope

DATE = DateInput()
TIME = forms.TimeInput(attrs={"type": "time"})


class ScopeForm(forms.ModelForm[Scope]):
    confirm_public = forms.BooleanField(
        label=_(
            "I confirm that the public addresses among these targets belong to the "
            "establishment, which authorises scanning them"
        ),
        required=False,
        help_text=_(
            "Needed only when a target is a public (Internet) address; the confirmation is "
            "recorded in the audit log."
        ),
    )

    class Meta:
        model = Scope
        fields = [
            "name",
            "targets",
            "confirm_public",
            "tcp_ports",
            "udp_ports",
            "deep_allowed",
            "is_active",
        ]
        widgets = {"targets": forms.Textarea(attrs={"rows": 6})}

    def validate_unique(self) -> None:
        """Checked by the service (one message)."""


class AuthorisationForm(forms.Form):
    authorised_by = forms.CharField(label=_("Authorised by (name, function)"), max_length=200)
    authorised_on = forms.DateField(
        label=_("Authorised on"), widget=DATE, initial=timezone.localdate
    )
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE)
    document = forms.FileField(label=_("Signed document (PDF)"), required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ExclusionForm(forms.ModelForm[Exclusion]):
    class Meta:
        model = Exclusion
        fields = ["target", "reason"]


class WindowForm(forms.ModelForm[ScanWindow]):
    class Meta:
        model = ScanWindow
        fields = ["weekday", "start", "end"]
        widgets = {"start": TIME, "end": TIME}


class ScheduleForm(forms.ModelForm[ScanSchedule]):
    class Meta:
        model = ScanSchedule
        fields = ["policy", "frequency", "weekday", "day_of_month", "time", "enabled"]
        widgets = {"time": TIME}


class LaunchForm(forms.Form):
    scope = forms.ModelChoiceField(label=_("Scope"), queryset=Scope.objects.none())
    policy = forms.ChoiceField(label=_("Policy"), choices=Policy.choices, initial=Policy.STANDARD)
    targets = forms.CharField(
        label=_("Only these targets (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line; empty: the whole scope."),
    )
    ignore_window = forms.BooleanField(
        label=_("Run outside the scan windows (operator administrators)"), required=False
    )

    def __init__(self, *args: Any, scopes: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scope"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101  (narrowing for mypy)
        field.queryset = scopes if scopes is not None else Scope.objects.none()

    def target_list(self) -> list[str]:
        text = self.cleaned_data.get("targets") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class AssetForm(forms.ModelForm[Asset]):
    tags_text = forms.CharField(label=_("Tags (comma-separated)"), required=False)

    class Meta:
        model = Asset
        fields = ["name", "asset_class", "criticality"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tags_text"].initial = ", ".join(self.instance.tags or [])

    def tags(self) -> list[str]:
        raw = self.cleaned_data.get("tags_text") or ""
        return sorted({t.strip() for t in raw.split(",") if t.strip()})


class AcceptRiskForm(forms.Form):
    reason = forms.CharField(label=_("Justification"), widget=forms.Textarea(attrs={"rows": 3}))
    until = forms.DateField(
        label=_("Accepted until"),
        widget=DATE,
        initial=lambda: timezone.localdate() + dt.timedelta(days=90),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(forms.Form):
    assignee: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Assigned to"), queryset=None, required=False
    )

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = people


ASSET_CLASS_CHOICES = [("", _("All classes")), *AssetClass.choices]
CRITICALITY_CHOICES = Criticality.choices
