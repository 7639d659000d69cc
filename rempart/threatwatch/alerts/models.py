"""Models of the threat-watch alerts (imported by `rempart.threatwatch.models`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rempart.core.models import TenantOwnedModel, TimeStampedModel


def source_lang(kind: str) -> str:
    """The language of an event source's own words (title, summary): CERT-FR writes in
    French, the KEV catalogue and CVE records in English (marked for screen readers)."""
    return "fr" if kind == "certfr" else "en"


class WatchEvent(TimeStampedModel):
    """Something new in the catalog that may concern members: a KEV addition, a CERT-FR
    publication or a CVE newly affecting a member. Shared (not tenant-scoped): what each
    establishment must do about it is its `EstablishmentAlert`. One row per (kind,
    reference) ever: a replayed update finds it and alerts nobody again."""

    class Kind(models.TextChoices):
        KEV = "kev", _("Known exploited (KEV)")
        CERTFR = "certfr", _("CERT-FR publication")
        CVE = "cve", _("New vulnerability")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    reference = models.CharField(_("reference"), max_length=60)
    title = models.CharField(_("title"), max_length=500, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    fix = models.TextField(_("what to do"), blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    cve_ids = models.JSONField(_("CVE"), default=list, blank=True)
    known_exploited = models.BooleanField(_("known exploited (KEV)"), default=False)
    published = models.DateTimeField(_("published"), null=True, blank=True)
    exposed_count = models.PositiveIntegerField(_("establishments exposed"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("threat-watch event")
        verbose_name_plural = _("threat-watch events")
        constraints = [
            models.UniqueConstraint(fields=["kind", "reference"], name="watch_event_once")
        ]
        indexes = [models.Index(fields=["created_at"], name="watch_event_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"

    @property
    def source_lang(self) -> str:
        return source_lang(self.kind)

    @property
    def fix_lang(self) -> str:
        """The KEV catalogue's required action is CISA's English; the others are ours."""
        return "en" if self.kind == self.Kind.KEV else "fr"


class FollowUp(models.TextChoices):
    TO_DO = "to_do", pgettext_lazy("alert follow-up", "To handle")
    IN_PROGRESS = "in_progress", pgettext_lazy("alert follow-up", "In progress")
    FIXED = "fixed", pgettext_lazy("alert follow-up", "Fixed")
    NOT_CONCERNED = "not_concerned", pgettext_lazy("alert follow-up", "Not concerned")


class EstablishmentAlert(TenantOwnedModel):
    """An event that affects this establishment: the affected items (assets, services,
    declared products, each with its confidence and why) and the follow-up state."""

    event = models.ForeignKey(
        WatchEvent, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("event")
    )
    items = models.JSONField(_("affected items"), default=list, blank=True)
    item_count = models.PositiveIntegerField(_("affected items"), default=0)
    confidence = models.CharField(_("confidence"), max_length=10, blank=True)
    status = models.CharField(
        _("follow-up"), max_length=15, choices=FollowUp, default=FollowUp.TO_DO
    )
    status_reason = models.TextField(_("reason"), blank=True)
    webhook_sent_at = models.DateTimeField(_("sent to webhooks at"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("follow-up changed at"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("follow-up changed by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("establishment alert")
        verbose_name_plural = _("establishment alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "event"], name="watch_alert_once_per_establishment"
            )
        ]
        indexes = [
            models.Index(fields=["establishment", "status"], name="watch_alert_estab_status"),
            models.Index(fields=["created_at"], name="watch_alert_created"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.establishment_id}"


class WatchSubscription(TimeStampedModel):
    """What a person follows beyond their establishments' inventory: a vendor, a product, a
    keyword, or (the regional team) every alert of the region."""

    class Kind(models.TextChoices):
        VENDOR = "vendor", _("Vendor")
        PRODUCT = "product", _("Product")
        KEYWORD = "keyword", _("Keyword")
        REGION = "region", _("Every alert of the region")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watch_subscriptions"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    value = models.CharField(_("value"), max_length=150, blank=True)

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = _("threat-watch subscription")
        verbose_name_plural = _("threat-watch subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "value"], name="watch_subscription_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class AlertPreference(models.Model):
    """How a person receives alerts by e-mail: at once (grouped per catalog update), in a
    daily digest, or not at all (the application still shows them)."""

    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", _("At once (one message per catalog update)")
        DAILY = "daily", _("Daily digest")
        NONE = "none", _("No e-mail")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watch_preference"
    )
    frequency = models.CharField(
        _("e-mail alerts"), max_length=10, choices=Frequency, default=Frequency.IMMEDIATE
    )
    bulletin = models.BooleanField(_("receive the weekly bulletin"), default=True)

    class Meta:
        verbose_name = _("alert preference")
        verbose_name_plural = _("alert preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.frequency}"


class AlertDelivery(models.Model):
    """That a person is to be told (or was told) about an event by e-mail: one row per
    (person, event), so that an event reaches nobody twice; `sent_at` is set by the
    message that carried it (grouped with the others of the same person)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watch_deliveries"
    )
    event = models.ForeignKey(WatchEvent, on_delete=models.CASCADE, related_name="deliveries")
    why = models.CharField(_("why"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="watch_delivery_once")
        ]
        indexes = [models.Index(fields=["sent_at", "user"], name="watch_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.user_id}"


class Bulletin(TimeStampedModel):
    """The weekly regional bulletin: its week (Monday), its figures, its PDF, when sent."""

    week = models.DateField(_("week of"), unique=True)
    data = models.JSONField(_("figures"), default=dict, blank=True)
    pdf = models.BinaryField(_("PDF"), blank=True, default=b"")
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-week"]
        verbose_name = _("weekly bulletin")
        verbose_name_plural = _("weekly bulletins")

    def __str__(self) -> str:
        return f"{self.week}"
