"""Form of the deliverability check of a mail domain (read-only: a GET form)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from rempart.phishing.deliverability import DEFAULT_SELECTOR
from rempart.phishing.models import SendingProfile


class DeliverabilityForm(forms.Form):
    selector = forms.CharField(
        label=_("DKIM selector"),
        max_length=63,
        initial=DEFAULT_SELECTOR,
        help_text=_(
            "The selector your relay signs with: default, selector1 or selector2 "
            "(Microsoft 365), google (Google Workspace)…"
        ),
    )
    profile = forms.ModelChoiceField(
        label=_("Sending profile"),
        queryset=SendingProfile.objects.none(),
        required=False,
        to_field_name="public_id",
        help_text=_("Optional: check that its SMTP relay is authorised by the SPF record."),
    )

    def __init__(self, *args: Any, profiles: QuerySet[SendingProfile], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[SendingProfile]", self.fields["profile"])
        field.queryset = profiles
