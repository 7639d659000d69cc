"""Factories of the jobs app."""

from __future__ import annotations

import factory

from rempart.jobs.models import JobRun


class JobRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobRun

    kind = "audit.verify"
    title = factory.Sequence(lambda n: f"Job {n}")
    establishment = factory.SubFactory("rempart.tenancy.tests.factories.EstablishmentFactory")


TENANT_FACTORIES = {JobRun: JobRunFactory}
