"""Factories of the timeline (tenant-owned models, for the cross-establishment test)."""

from __future__ import annotations

import factory

from rempart.timeline.models import TimelineEntry


class TimelineEntryFactory(factory.django.DjangoModelFactory):
    """A note on a vulnerability of the same establishment."""

    class Meta:
        model = TimelineEntry

    establishment = factory.SubFactory("rempart.tenancy.tests.factories.EstablishmentFactory")
    subject_kind = "scanning.finding"
    subject_id = factory.LazyAttribute(
        lambda o: (
            __import__("rempart.scanning.tests.factories", fromlist=["FindingFactory"])
            .FindingFactory(establishment=o.establishment)
            .public_id
        )
    )
    kind = "note"
    text = "Appel du prestataire"


TENANT_FACTORIES = {TimelineEntry: TimelineEntryFactory}
