"""Factories of the scanning app (tenant-owned models, for the cross-establishment test)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from rempart.scanning.models import (
    Asset,
    Exclusion,
    Finding,
    FindingComment,
    FindingEvent,
    Observation,
    Report,
    Scan,
    ScanSchedule,
    ScanWindow,
    Scope,
    ScopeAuthorisation,
    Service,
)

ESTABLISHMENT = "rempart.tenancy.tests.factories.EstablishmentFactory"


class ScopeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scope

    establishment = factory.SubFactory(ESTABLISHMENT)
    name = factory.Sequence(lambda n: f"Réseau {n}")
    targets = "127.0.0.0/29"


class AuthorisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScopeAuthorisation

    scope = factory.SubFactory(ScopeFactory, establishment=factory.SelfAttribute("..establishment"))
    establishment = factory.SubFactory(ESTABLISHMENT)
    authorised_by = "Directeur général"
    document = factory.django.FileField(filename="autorisation.pdf", data=b"%PDF-1.4 test")
    authorised_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=1))
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))


class ExclusionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exclusion

    establishment = factory.SubFactory(ESTABLISHMENT)
    target = "127.0.0.6"
    reason = "Pousse-seringue connecté"


class WindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScanWindow

    establishment = factory.SubFactory(ESTABLISHMENT)
    scope = factory.SubFactory(ScopeFactory, establishment=factory.SelfAttribute("..establishment"))
    weekday = 5
    start = dt.time(20, 0)
    end = dt.time(6, 0)


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScanSchedule

    establishment = factory.SubFactory(ESTABLISHMENT)
    scope = factory.SubFactory(ScopeFactory, establishment=factory.SelfAttribute("..establishment"))


class ScanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scan

    establishment = factory.SubFactory(ESTABLISHMENT)
    scope = factory.SubFactory(ScopeFactory, establishment=factory.SelfAttribute("..establishment"))
    targets = "127.0.0.0/29"
    status = "completed"


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    establishment = factory.SubFactory(ESTABLISHMENT)
    address = factory.Sequence(lambda n: f"10.9.{n // 250}.{n % 250 + 1}")
    first_seen = factory.LazyFunction(timezone.now)
    last_seen = factory.LazyFunction(timezone.now)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    establishment = factory.SubFactory(ESTABLISHMENT)
    asset = factory.SubFactory(AssetFactory, establishment=factory.SelfAttribute("..establishment"))
    port = 6379
    protocol = "tcp"
    name = "redis"
    first_seen = factory.LazyFunction(timezone.now)
    last_seen = factory.LazyFunction(timezone.now)


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    establishment = factory.SubFactory(ESTABLISHMENT)
    asset = factory.SubFactory(AssetFactory, establishment=factory.SelfAttribute("..establishment"))
    port = 6379
    protocol = "tcp"
    check_id = "redis.no-auth"
    fingerprint = factory.Sequence(lambda n: f"{n:064x}")
    title = "Redis accepts commands without authentication"
    title_fr = "Redis accepte des commandes sans authentification"
    severity = "high"
    confidence = "confirmed"
    first_seen = factory.LazyFunction(timezone.now)
    last_seen = factory.LazyFunction(timezone.now)


class ObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Observation

    establishment = factory.SubFactory(ESTABLISHMENT)
    finding = factory.SubFactory(
        FindingFactory, establishment=factory.SelfAttribute("..establishment")
    )
    scan = factory.SubFactory(ScanFactory, establishment=factory.SelfAttribute("..establishment"))
    result = "present"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FindingEvent

    establishment = factory.SubFactory(ESTABLISHMENT)
    finding = factory.SubFactory(
        FindingFactory, establishment=factory.SelfAttribute("..establishment")
    )
    to_status = "new"


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FindingComment

    establishment = factory.SubFactory(ESTABLISHMENT)
    finding = factory.SubFactory(
        FindingFactory, establishment=factory.SelfAttribute("..establishment")
    )
    text = "Correctif planifié"


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    establishment = factory.SubFactory(ESTABLISHMENT)
    title = factory.Sequence(lambda n: f"Rapport de vulnérabilités {n}")
    file = factory.django.FileField(filename="rapport.pdf", data=b"%PDF-1.7 test report")
    size = 20
    generated_at = factory.LazyFunction(timezone.now)


TENANT_FACTORIES = {
    Scope: ScopeFactory,
    ScopeAuthorisation: AuthorisationFactory,
    Exclusion: ExclusionFactory,
    ScanWindow: WindowFactory,
    ScanSchedule: ScheduleFactory,
    Scan: ScanFactory,
    Asset: AssetFactory,
    Service: ServiceFactory,
    Finding: FindingFactory,
    Observation: ObservationFactory,
    FindingEvent: EventFactory,
    FindingComment: CommentFactory,
    Report: ReportFactory,
}
