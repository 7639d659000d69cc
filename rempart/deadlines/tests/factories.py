"""Factories of deadlines (tenant-owned models, for the cross-establishment test)."""

from __future__ import annotations

import datetime as dt
import importlib

import factory
from django.apps import apps as django_apps
from django.utils import timezone

from rempart.deadlines.models import Deadline, DeadlineRule


def rules_seed() -> None:
    """The rules the data migration seeds, written again when missing: a transactional test
    (a live server, real processes) empties every table, those rows included."""
    seeding = importlib.import_module("rempart.deadlines.migrations.0002_seed_rules")
    seeding.seed(django_apps, None)


def _rule() -> DeadlineRule:
    rules_seed()
    return DeadlineRule.objects.get(code="cnil.breach_notification", version=1)


class DeadlineFactory(factory.django.DjangoModelFactory):
    """The CNIL 72 h deadline of a vulnerability of the same establishment (seeded rule)."""

    class Meta:
        model = Deadline

    establishment = factory.SubFactory("rempart.tenancy.tests.factories.EstablishmentFactory")
    rule = factory.LazyFunction(_rule)
    subject_kind = "scanning.finding"
    subject_id = factory.LazyAttribute(
        lambda o: (
            __import__("rempart.scanning.tests.factories", fromlist=["FindingFactory"])
            .FindingFactory(establishment=o.establishment)
            .public_id
        )
    )
    start_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda o: o.start_at + dt.timedelta(hours=72))


TENANT_FACTORIES = {Deadline: DeadlineFactory}
