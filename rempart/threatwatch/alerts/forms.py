"""Forms of the threat-watch alerts."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rempart.threatwatch.alerts.models import AlertPreference, FollowUp, WatchSubscription


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(label=_("Follow-up"), choices=FollowUp.choices)
    reason = forms.CharField(
        label=_("Reason or comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the establishment is not concerned."),
    )


class SubscriptionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Follow"), choices=WatchSubscription.Kind.choices)
    value = forms.CharField(label=_("Vendor, product or keyword"), required=False, max_length=150)


class PreferenceForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("E-mail alerts"), choices=AlertPreference.Frequency.choices
    )
    bulletin = forms.BooleanField(label=_("Receive the weekly bulletin"), required=False)
