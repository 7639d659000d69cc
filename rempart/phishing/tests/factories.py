"""Factories of the phishing app (tenant-owned models, for the cross-establishment test)."""

from __future__ import annotations

import factory

from rempart.phishing.models import Recipient, RecipientGroup, SendingDomain

ESTABLISHMENT = "rempart.tenancy.tests.factories.EstablishmentFactory"


class SendingDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SendingDomain

    establishment = factory.SubFactory(ESTABLISHMENT)
    domain = factory.Sequence(lambda n: f"ch-{n}.example.fr")


class RecipientGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecipientGroup

    establishment = factory.SubFactory(ESTABLISHMENT)
    name = factory.Sequence(lambda n: f"Service {n}")


class RecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recipient

    establishment = factory.SubFactory(ESTABLISHMENT)
    group = factory.SubFactory(
        RecipientGroupFactory, establishment=factory.SelfAttribute("..establishment")
    )
    email = factory.Sequence(lambda n: f"agent{n}@ch.example.fr")


TENANT_FACTORIES = {
    SendingDomain: SendingDomainFactory,
    RecipientGroup: RecipientGroupFactory,
    Recipient: RecipientFactory,
}
