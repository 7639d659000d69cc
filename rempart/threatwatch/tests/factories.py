"""Factories of the threat watch's tenant-owned models."""

from __future__ import annotations

import factory

from rempart.threatwatch.models import Alert, DeclaredProduct


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alert

    establishment = factory.SubFactory("rempart.tenancy.tests.factories.EstablishmentFactory")
    finding = factory.SubFactory(
        "rempart.scanning.tests.factories.FindingFactory",
        establishment=factory.SelfAttribute("..establishment"),
    )
    cve_id = "CVE-2024-6387"


class DeclaredProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeclaredProduct

    establishment = factory.SubFactory("rempart.tenancy.tests.factories.EstablishmentFactory")
    category = "patient_record"
    name = factory.Sequence(lambda n: f"Dossier patient {n}")
    supplier = "Éditeur"
    cpe_vendor = "apache"
    cpe_product = "log4j"
    version = "2.14.1"


TENANT_FACTORIES = {Alert: AlertFactory, DeclaredProduct: DeclaredProductFactory}
