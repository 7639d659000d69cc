"""Forms of attachments (the checks live in `services` and `sniff`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rempart.attachments.models import ReviewStatus
from rempart.core.forms import DateInput


class UploadForm(forms.Form):
    owner_kind = forms.CharField(widget=forms.HiddenInput)
    owner_id = forms.UUIDField(widget=forms.HiddenInput)
    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    evidence = forms.BooleanField(label=_("Evidence (to be reviewed)"), required=False)
    expires_on = forms.DateField(label=_("Valid until"), required=False, widget=DateInput())


class ReviewForm(forms.Form):
    status = forms.ChoiceField(label=_("Review"), choices=ReviewStatus.choices)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=1000)
