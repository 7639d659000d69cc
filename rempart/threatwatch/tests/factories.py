"""Factories of the threat watch's tenant-owned models."""

from __future__ import annotations

import factory

from rempart.threatwatch.models import Alert, DeclaredProduct, EstablishmentAlert, WatchEvent


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


class WatchEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WatchEvent

    kind = "kev"
    reference = factory.Sequence(lambda n: f"CVE-2099-{n + 1000:04d}")
    title = "Vulnérabilité activement exploitée"
    cve_ids = factory.LazyAttribute(lambda event: [event.reference])
    known_exploited = True


class EstablishmentAlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EstablishmentAlert

    establishment = factory.SubFactory("rempart.tenancy.tests.factories.EstablishmentFactory")
    event = factory.SubFactory(WatchEventFactory)
    items = factory.LazyAttribute(
        lambda alert: [
            {
                "establishment_id": alert.establishment.pk,
                "cve_id": alert.event.reference,
                "kind": "finding",
                "object_id": 1,
                "label": "10.0.0.1:443/tcp",
                "url": "",
                "product": "nginx",
                "version": "1.22.0",
                "confidence": "firm",
                "reason": "nginx 1.22.0",
            }
        ]
    )
    item_count = 1
    confidence = "firm"


TENANT_FACTORIES = {
    Alert: AlertFactory,
    DeclaredProduct: DeclaredProductFactory,
    EstablishmentAlert: EstablishmentAlertFactory,
}
