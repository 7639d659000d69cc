"""Form of a timeline entry written by hand."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rempart.core.forms import DateTimeInput
from rempart.timeline.kinds import manual_choices


class EntryForm(forms.Form):
    subject_kind = forms.CharField(widget=forms.HiddenInput)
    subject_id = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind"))
    occurred_at = forms.DateTimeField(
        label=_("Time (now if empty)"), required=False, widget=DateTimeInput()
    )
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = manual_choices()  # type: ignore[attr-defined]
