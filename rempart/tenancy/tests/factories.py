"""Factories of the tenancy app. FINESS numbers are generated valid (Luhn key)."""

from __future__ import annotations

import itertools

import factory

from rempart.tenancy.choices import EstablishmentCategory, MemberRole
from rempart.tenancy.finess import luhn_valid
from rempart.tenancy.models import (
    Contact,
    Establishment,
    EstablishmentGroup,
    Membership,
    Operator,
    Site,
)

_sequence = itertools.count(1)


def valid_finess(department: str = "92") -> str:
    """A fresh, valid FINESS number in `department`."""
    base = f"{department}{next(_sequence):06d}"
    return next(base + str(key) for key in range(10) if luhn_valid(base + str(key)))


class OperatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operator
        django_get_or_create = ("name",)

    name = "GRADeS de test"
    short_name = "GRADeS"


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EstablishmentGroup

    operator = factory.SubFactory(OperatorFactory)
    name = factory.Sequence(lambda n: f"GHT {n}")
    code = factory.Sequence(lambda n: f"ght-{n}")


class EstablishmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Establishment

    operator = factory.SubFactory(OperatorFactory)
    name = factory.Sequence(lambda n: f"Centre hospitalier {n}")
    slug = factory.Sequence(lambda n: f"ch-{n}")
    finess_et = factory.LazyFunction(valid_finess)
    finess_ej = factory.LazyFunction(valid_finess)
    category = EstablishmentCategory.CH


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    establishment = factory.SubFactory(EstablishmentFactory)
    name = factory.Sequence(lambda n: f"Site {n}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    establishment = factory.SubFactory(EstablishmentFactory)
    role = "ciso"
    full_name = factory.Sequence(lambda n: f"Contact {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    establishment = factory.SubFactory(EstablishmentFactory)
    user = factory.SubFactory("rempart.accounts.tests.factories.UserFactory")
    role = MemberRole.VIEWER


# Tenant-owned models and the factory that builds one for a given establishment; the
# cross-establishment test builds one of each for establishments A and B.
TENANT_FACTORIES = {
    Site: SiteFactory,
    Contact: ContactFactory,
    Membership: MembershipFactory,
}
