"""Forms of the report mailboxes and of the triage queue."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rempart.phishing.choices import TriageState
from rempart.phishing.models import ReportMailbox


class ReportMailboxForm(forms.ModelForm[ReportMailbox]):
    """The mailbox's settings; the password is write-only (blank keeps the stored one)."""

    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = ReportMailbox
        fields = ["name", "host", "port", "security", "username", "folder", "enabled"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.password:
            self.fields["password"].help_text = _(
                "A password is stored. Leave blank to keep it; type a new one to replace it."
            )


class TriageForm(forms.Form):
    state = forms.ChoiceField(label=_("triage"), choices=TriageState.choices)


class ReportFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("triage"),
        required=False,
        choices=[("", _("All")), *TriageState.choices],
    )
