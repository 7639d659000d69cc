"""How simulations are sent and what they show: sending profiles, e-mail templates, landing
pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rempart.core.crypto import EncryptedTextField
from rempart.core.models import TenantOwnedModel
from rempart.phishing.choices import AfterSubmit, Difficulty, MailSecurity, PremiseAlignment
from rempart.phishing.sending.headers import validate_headers


class SendingProfile(TenantOwnedModel):
    """An SMTP relay and the From address of simulations; the password is encrypted at rest."""

    name = models.CharField(_("name"), max_length=200)
    host = models.CharField(_("SMTP host"), max_length=253)
    port = models.PositiveIntegerField(
        _("port"), default=587, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    security = models.CharField(
        _("security"), max_length=10, choices=MailSecurity.choices, default=MailSecurity.STARTTLS
    )
    username = models.CharField(_("user name"), max_length=254, blank=True)
    password = EncryptedTextField(_("password"), blank=True)
    from_address = models.EmailField(_("From address"))
    from_name = models.CharField(_("From display name"), max_length=200, blank=True)
    envelope_sender = models.EmailField(
        _("envelope sender (MAIL FROM)"),
        blank=True,
        help_text=_("Empty: the From address."),
    )
    headers = models.JSONField(
        _("custom headers"),
        default=dict,
        blank=True,
        help_text=_("Added to every message, e.g. the header your mail filter allow-lists."),
    )
    rate_per_second = models.FloatField(
        _("messages per second"),
        default=20.0,
        validators=[MinValueValidator(0.01), MaxValueValidator(1000)],
    )
    rate_per_hour = models.PositiveIntegerField(
        _("messages per hour"), default=20_000, validators=[MinValueValidator(1)]
    )
    connections = models.PositiveSmallIntegerField(
        _("parallel SMTP connections"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("sending profile")
        verbose_name_plural = _("sending profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "name"], name="phishing_profile_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        try:
            self.headers = validate_headers(self.headers or {})
        except ValidationError as error:
            raise ValidationError({"headers": error.messages}) from error


class EmailTemplate(TenantOwnedModel):
    """A simulated phishing e-mail. Subject, HTML and text are Django templates rendered with
    autoescaping; `cues` are the NIST Phish Scale cues a recipient could have noticed, and
    `lesson` is what the teachable page explains about this e-mail."""

    name = models.CharField(_("name"), max_length=200)
    library_key = models.CharField(_("starter library entry"), max_length=100, blank=True)
    from_name = models.CharField(
        _("From display name"),
        max_length=200,
        blank=True,
        help_text=_("Empty: the sending profile's."),
    )
    subject = models.CharField(_("subject"), max_length=300)
    html = models.TextField(_("HTML body"))
    text = models.TextField(_("text body"), blank=True)
    cues = models.JSONField(_("cues"), default=list, blank=True)
    premise_alignment = models.CharField(
        _("premise alignment"),
        max_length=10,
        choices=PremiseAlignment.choices,
        default=PremiseAlignment.MEDIUM,
    )
    difficulty = models.CharField(
        _("difficulty"), max_length=10, choices=Difficulty.choices, default=Difficulty.MODERATE
    )
    lesson = models.TextField(
        _("lesson"),
        blank=True,
        help_text=_("Shown on the teachable page: what should have raised suspicion."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "name"], name="phishing_template_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class LandingPage(TenantOwnedModel):
    """The page a click opens. Its forms are posted to Rempart, which keeps only the fact of
    a submission and the field names, never the values."""

    name = models.CharField(_("name"), max_length=200)
    html = models.TextField(_("HTML"))
    after_submit = models.CharField(
        _("after a submission"),
        max_length=10,
        choices=AfterSubmit.choices,
        default=AfterSubmit.TEACHABLE,
    )
    redirect_url = models.URLField(_("redirect address"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("landing page")
        verbose_name_plural = _("landing pages")
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "name"], name="phishing_page_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name
