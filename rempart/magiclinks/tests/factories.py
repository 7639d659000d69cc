"""Factories of personal links (tenant-owned models, for the cross-establishment test)."""

from __future__ import annotations

import datetime as dt
import secrets

import factory
from django.utils import timezone

from rempart.core.crypto import token_hash
from rempart.magiclinks.models import MagicLink


class MagicLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MagicLink

    establishment = factory.SubFactory("rempart.tenancy.tests.factories.EstablishmentFactory")
    purpose = "tests.page"
    subject_kind = "scanning.finding"
    subject_id = factory.LazyAttribute(
        lambda o: (
            __import__("rempart.scanning.tests.factories", fromlist=["FindingFactory"])
            .FindingFactory(establishment=o.establishment)
            .public_id
        )
    )
    email = factory.Sequence(lambda n: f"apprenant{n}@example.org")
    token_hash = factory.LazyFunction(lambda: token_hash(secrets.token_urlsafe(16)))
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))


TENANT_FACTORIES = {MagicLink: MagicLinkFactory}
