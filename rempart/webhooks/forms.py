"""Form of a webhook endpoint (the rules live in the model and `services`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rempart.webhooks.events import SUBSCRIBABLE
from rempart.webhooks.models import WebhookEndpoint


class EndpointForm(forms.ModelForm[WebhookEndpoint]):
    url = forms.URLField(
        label=_("Address (URL)"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Rempart POSTs signed JSON to this https:// address."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=list(SUBSCRIBABLE.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "enabled"]

    def clean_events(self) -> list[str]:
        chosen: list[Any] = self.cleaned_data.get("events") or []
        return [name for name in SUBSCRIBABLE if name in chosen]
