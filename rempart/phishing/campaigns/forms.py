"""Forms of campaigns (the rules live in `services.py`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rempart.phishing import selectors
from rempart.phishing.models import Campaign, EmailTemplate

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignForm(forms.ModelForm[Campaign]):
    templates = forms.ModelMultipleChoiceField(
        label=_("E-mail templates (one variant each)"),
        queryset=EmailTemplate.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    weekday_choices = forms.TypedMultipleChoiceField(
        label=_("Sending days"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[0, 1, 2, 3, 4],
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "sending_profile",
            "groups",
            "landing_page",
            "teachable_on",
            "launch_at",
            "send_by",
            "hour_start",
            "hour_end",
            "jitter_seconds",
            "skip_public_holidays",
            "mode",
            "retention_until",
            "legal_basis",
            "staff_informed_on",
            "cse_consulted_on",
        ]
        widgets = {
            "groups": forms.CheckboxSelectMultiple,
            "launch_at": LOCAL,
            "send_by": LOCAL,
            "retention_until": DAY,
            "staff_informed_on": DAY,
            "cse_consulted_on": DAY,
        }
        help_texts = {
            "launch_at": _("Empty: as soon as the campaign is approved."),
            "send_by": _("Empty: as fast as the sending profile's rate allows."),
            "retention_until": _(
                "After this date, the link between people and results is erased for good "
                "(in anonymous mode, it is erased as soon as each message is sent)."
            ),
            "skip_public_holidays": _(
                "French public holidays (1 January, Easter Monday, 1 and 8 May, Ascension, "
                "Whit Monday, 14 July, 15 August, 1 and 11 November, 25 December) are left "
                "out of the sending days. Untick to send on them too."
            ),
            "mode": _(
                "Pseudonymous (recommended): results are counted per service and job family, "
                "and nobody can see who clicked. Identified: the establishment's referents "
                "and DPO can see each person's results, to offer targeted training; the "
                "campaign cannot be sent for approval until the establishment's DPO has "
                "approved it with a reason, and every viewing or export of the names is "
                "audited. Anonymous: the link between each person and their result is erased "
                "as soon as their message is sent, so nobody, not even with access to the "
                "database, can later tell who clicked; results are only counted per service "
                "and job family. Changing the mode, the recipient groups or the retention "
                "date afterwards clears the DPO's approval."
            ),
        }

    def __init__(self, *args: Any, user: Any, establishment: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope = {"user": user, "establishment": establishment}
        self.fields["sending_profile"].queryset = selectors.profile_list(**scope)  # type: ignore[attr-defined]
        self.fields["sending_profile"].required = True
        self.fields["groups"].queryset = selectors.group_list(**scope)  # type: ignore[attr-defined]
        self.fields["landing_page"].queryset = selectors.page_list(**scope)  # type: ignore[attr-defined]
        self.fields["templates"].queryset = selectors.template_list(**scope)  # type: ignore[attr-defined]
        if self.instance.pk:
            self.initial["templates"] = [v.template_id for v in self.instance.variants.all()]
            self.initial["weekday_choices"] = list(self.instance.weekdays)

    def save(self, commit: bool = True) -> Campaign:
        campaign = super().save(commit=False)
        campaign.weekdays = sorted(self.cleaned_data["weekday_choices"])
        return campaign
