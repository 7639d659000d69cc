"""Factories of the threat watch's tenant-owned models."""

from __future__ import annotations

import factory

from rempart.threatwatch.models import Alert


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alert

    establishment = factory.SubFactory("rempart.tenancy.tests.factories.EstablishmentFactory")
    finding = factory.SubFactory(
        "rempart.scanning.tests.factories.FindingFactory",
        establishment=factory.SelfAttribute("..establishment"),
    )
    cve_id = "CVE-2024-6387"


TENANT_FACTORIES = {Alert: AlertFactory}
