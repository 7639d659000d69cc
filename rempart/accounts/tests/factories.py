"""Factories of the accounts app."""

from __future__ import annotations

import factory

from rempart.accounts.models import User

PASSWORD = "correct horse battery staple 42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj: User, create: bool, extracted: object, **kwargs: object) -> None:  # noqa: N805
        if create:
            obj.save()


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.Invitation"

    establishment = factory.SubFactory("rempart.tenancy.tests.factories.EstablishmentFactory")
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = "viewer"
    token_hash = factory.Sequence(lambda n: f"{n:064x}")


TENANT_FACTORIES = {"accounts.Invitation": InvitationFactory}
