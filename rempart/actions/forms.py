"""Forms of the action plan (the rules live in `services`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rempart.actions.choices import ActionStatus
from rempart.actions.models import ActionItem
from rempart.actions.selectors import ActionFilters, assignable_users
from rempart.core.forms import DateInput
from rempart.core.subjects import subject_choices


class ActionItemForm(forms.ModelForm[ActionItem]):
    class Meta:
        model = ActionItem
        fields = ["title", "description", "owner", "due_date", "priority"]
        widgets = {"due_date": DateInput(), "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, establishment: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_users(establishment)  # type: ignore[attr-defined]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    reason = forms.CharField(
        label=_("Reason (required to abandon)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *ActionStatus.choices]
    )
    owner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Owner"), required=False, queryset=None
    )
    source_kind = forms.ChoiceField(label=_("Source"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(
        self, *args: Any, establishment: Any = None, users: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = users  # type: ignore[attr-defined]
        self.fields["source_kind"].choices = [  # type: ignore[attr-defined]
            ("", _("All")),
            ("-", _("Written by hand")),
            *subject_choices(),
        ]

    def filters(self, establishment: Any = None) -> ActionFilters:
        data = self.cleaned_data if self.is_valid() else {}
        owner = data.get("owner")
        return ActionFilters(
            status=data.get("status") or "",
            owner=owner.pk if owner else None,
            overdue=bool(data.get("overdue")),
            source_kind=data.get("source_kind") or "",
            establishment=establishment,
        )
