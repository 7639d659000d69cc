"""Factories of the action plan (tenant-owned models, for the cross-establishment test)."""

from __future__ import annotations

import datetime as dt

import factory

from rempart.actions.models import ActionItem


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    establishment = factory.SubFactory("rempart.tenancy.tests.factories.EstablishmentFactory")
    title = factory.Sequence(lambda n: f"Corriger la configuration n° {n}")
    due_date = factory.LazyFunction(lambda: dt.date(2030, 1, 31))


TENANT_FACTORIES = {ActionItem: ActionItemFactory}
