"""Assets found by scans (or declared) and the services they expose."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rempart.core.models import TenantOwnedModel
from rempart.scanning.choices import AssetClass, Criticality


class Asset(TenantOwnedModel):
    """A host of an establishment, identified by its address."""

    address = models.GenericIPAddressField(_("address"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    hostnames = models.JSONField(_("host names"), default=list, blank=True)
    mac = models.CharField(_("MAC address"), max_length=17, blank=True)
    mac_vendor = models.CharField(_("MAC vendor"), max_length=200, blank=True)
    os_guess = models.CharField(_("operating system (guessed)"), max_length=200, blank=True)
    asset_class = models.CharField(
        _("class"), max_length=20, choices=AssetClass, default=AssetClass.OTHER
    )
    class_set_manually = models.BooleanField(_("class set by a person"), default=False)
    criticality = models.CharField(
        _("criticality"), max_length=10, choices=Criticality, default=Criticality.MEDIUM
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        ordering = ["address"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "address"],
                name="scanning_asset_unique_address",
                violation_error_message=_("This address is already known."),
            )
        ]

    def __str__(self) -> str:
        return self.name or (self.hostnames[0] if self.hostnames else self.address)


class Service(TenantOwnedModel):
    """An open port of an asset and what runs behind it."""

    asset = models.ForeignKey(
        Asset, on_delete=models.CASCADE, related_name="services", verbose_name=_("asset")
    )
    port = models.PositiveIntegerField(_("port"))
    protocol = models.CharField(_("protocol"), max_length=3)
    name = models.CharField(_("service"), max_length=100, blank=True)
    product = models.CharField(_("product"), max_length=200, blank=True)
    version = models.CharField(_("version"), max_length=200, blank=True)
    extrainfo = models.CharField(_("details"), max_length=300, blank=True)
    cpe = models.CharField(_("CPE"), max_length=300, blank=True)
    tunnel = models.CharField(_("tunnel"), max_length=10, blank=True)
    is_open = models.BooleanField(_("open at the last scan"), default=True)
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        ordering = ["asset", "protocol", "port"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "port", "protocol"], name="scanning_service_unique_port"
            )
        ]

    def __str__(self) -> str:
        label = " ".join(filter(None, [self.product, self.version])) or self.name
        return f"{self.port}/{self.protocol} {label}".strip()
