"""The declared inventory (tenant-owned) and the regional catalogue (shared), app label
`threatwatch` (imported by `rempart.threatwatch.models`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rempart.core.models import TenantOwnedModel, TimeStampedModel
from rempart.threatwatch.inventory.choices import ProductCategory


class CatalogueProduct(TimeStampedModel):
    """A common hospital product of the regional catalogue, curated by the operator, that
    members pick from when they declare their inventory."""

    category = models.CharField(_("category"), max_length=20, choices=ProductCategory)
    name = models.CharField(_("name"), max_length=200, unique=True)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    cpe_vendor = models.CharField(_("CPE vendor"), max_length=100, blank=True)
    cpe_product = models.CharField(_("CPE product"), max_length=150, blank=True)
    remote_access = models.BooleanField(_("remote-access tool"), default=False)
    oldest_supported = models.CharField(
        _("oldest supported version"),
        max_length=100,
        blank=True,
        help_text=_("Older versions are end of life."),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        app_label = "threatwatch"
        ordering = ["category", "name"]
        verbose_name = _("regional catalogue product")
        verbose_name_plural = _("regional catalogue products")

    def __str__(self) -> str:
        return self.name


class DeclaredProduct(TenantOwnedModel):
    """A product an establishment says it runs: business software, infrastructure or
    security tooling, with its version and supplier."""

    category = models.CharField(_("category"), max_length=20, choices=ProductCategory)
    name = models.CharField(_("name"), max_length=200)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    cpe_vendor = models.CharField(_("CPE vendor"), max_length=100, blank=True)
    cpe_product = models.CharField(_("CPE product"), max_length=150, blank=True)
    version = models.CharField(_("version"), max_length=100, blank=True)
    remote_access = models.BooleanField(_("remote-access tool"), default=False)
    end_of_life = models.BooleanField(_("end of life"), default=False)
    support_ends_on = models.DateField(_("support ends on"), null=True, blank=True)
    catalogue = models.ForeignKey(
        CatalogueProduct,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="declarations",
        verbose_name=_("regional catalogue product"),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        app_label = "threatwatch"
        ordering = ["category", "name", "version"]
        indexes = [
            models.Index(fields=["cpe_vendor", "cpe_product"], name="declared_cpe"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "name", "version"],
                name="threatwatch_declared_once",
            )
        ]
        verbose_name = _("declared product")
        verbose_name_plural = _("declared products")

    def __str__(self) -> str:
        return f"{self.name} {self.version}".strip()

    @property
    def has_cpe(self) -> bool:
        return bool(self.cpe_vendor and self.cpe_product)
