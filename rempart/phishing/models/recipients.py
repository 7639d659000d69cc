"""Who a phishing simulation may reach: verified domains and recipient groups."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rempart.core.models import TenantOwnedModel


def _verification_token() -> str:
    return secrets.token_urlsafe(24)


class SendingDomain(TenantOwnedModel):
    """A mail domain of the establishment. Simulations only ever target addresses of its
    verified domains (a DNS TXT record `rempart-verification=<token>`, or an operator's
    check of the establishment's request, both audited)."""

    domain = models.CharField(_("domain"), max_length=253)
    token = models.CharField(
        _("verification token"), max_length=64, default=_verification_token, editable=False
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )

    class Meta:
        ordering = ["domain"]
        verbose_name = _("mail domain")
        verbose_name_plural = _("mail domains")
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "domain"], name="phishing_domain_unique_per_establishment"
            )
        ]

    def __str__(self) -> str:
        return self.domain

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class RecipientGroup(TenantOwnedModel):
    """Staff members that campaigns target together (a service, a site, a population)."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("recipient group")
        verbose_name_plural = _("recipient groups")
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "name"], name="phishing_group_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Recipient(TenantOwnedModel):
    """A member of staff in a group: used to send and to render, never shown in results
    (those are pseudonymous)."""

    group = models.ForeignKey(
        RecipientGroup,
        on_delete=models.CASCADE,
        related_name="recipients",
        verbose_name=_("recipient group"),
    )
    email = models.EmailField(_("e-mail address"), max_length=254)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    department = models.CharField(_("department or service"), max_length=200, blank=True)
    job_family = models.CharField(_("job family"), max_length=200, blank=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [
            models.UniqueConstraint(fields=["group", "email"], name="phishing_recipient_unique")
        ]

    def __str__(self) -> str:
        return self.email
