"""Factories of the probes app (registered for the cross-establishment access test)."""

from __future__ import annotations

import datetime as dt
import hashlib

import factory
from django.utils import timezone

from rempart.probe import signing
from rempart.probes.models import EnrolmentCode, Probe, ProbeJob

ESTABLISHMENT = "rempart.tenancy.tests.factories.EstablishmentFactory"


def _public_key(_: object) -> str:
    return signing.public_key_b64(signing.new_private_key())


class ProbeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Probe

    establishment = factory.SubFactory(ESTABLISHMENT)
    name = factory.Sequence(lambda n: f"Sonde {n}")
    public_key = factory.LazyAttribute(_public_key)
    key_fingerprint = factory.LazyAttribute(lambda o: signing.fingerprint(o.public_key))
    enrolled_at = factory.LazyFunction(timezone.now)


class EnrolmentCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnrolmentCode

    establishment = factory.SubFactory(ESTABLISHMENT)
    probe_name = factory.Sequence(lambda n: f"Sonde à enrôler {n}")
    code_hash = factory.Sequence(lambda n: hashlib.sha256(f"code-{n}".encode()).hexdigest())
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=1))


class ProbeJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProbeJob

    establishment = factory.SubFactory(ESTABLISHMENT)
    probe = factory.SubFactory(ProbeFactory, establishment=factory.SelfAttribute("..establishment"))
    scan = factory.SubFactory(
        "rempart.scanning.tests.factories.ScanFactory",
        establishment=factory.SelfAttribute("..establishment"),
        status="queued",
    )


TENANT_FACTORIES = {
    Probe: ProbeFactory,
    EnrolmentCode: EnrolmentCodeFactory,
    ProbeJob: ProbeJobFactory,
}
