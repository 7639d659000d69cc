"""Outbound webhooks: the endpoints an establishment registers and each delivery to them.

The signing secret is encrypted at rest and shown once, when it is generated. A delivery
is one event for one endpoint; its payload holds no personal data (see `events.py`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rempart.core.crypto import EncryptedTextField
from rempart.core.models import TenantOwnedModel
from rempart.webhooks.choices import DeliveryState
from rempart.webhooks.events import SUBSCRIBABLE

USER = settings.AUTH_USER_MODEL


def validate_webhook_url(value: str) -> None:
    """An absolute https:// address without credentials (http:// only when
    WEBHOOKS_ALLOW_HTTP is set, for tests and closed networks)."""
    allow_http = bool(getattr(settings, "WEBHOOKS_ALLOW_HTTP", False))
    schemes = ["https", "http"] if allow_http else ["https"]
    parts = urlsplit(value)
    if parts.scheme.lower() not in schemes:
        raise ValidationError(_("Use an https:// address."), code="scheme")
    try:
        URLValidator(schemes=schemes)(value)
    except ValidationError as exc:
        raise ValidationError(_("Enter a valid address (URL)."), code="invalid") from exc
    if parts.username or parts.password:
        raise ValidationError(
            _("Put no user name or password in the address: the signature authenticates us."),
            code="credentials",
        )


class WebhookEndpoint(TenantOwnedModel):
    """An address of the establishment that receives signed POSTs for the chosen events."""

    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("address (URL)"), max_length=500, validators=[validate_webhook_url])
    secret = EncryptedTextField(_("signing secret"))
    events = models.JSONField(_("events"), default=list, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_by = models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "name"], name="webhooks_endpoint_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.events, list) or any(e not in SUBSCRIBABLE for e in self.events):
            raise ValidationError({"events": _("Choose events from the list.")})


class WebhookDelivery(TenantOwnedModel):
    """One event for one endpoint: pending until a 2xx answer, retried with exponential
    backoff, failed after the last attempt. `last_error` is short and never holds more than
    300 characters of what the receiver answered."""

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    event = models.CharField(_("event"), max_length=100)
    event_id = models.UUIDField(_("event id"))
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhooks_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id}"
