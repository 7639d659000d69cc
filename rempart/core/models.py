"""Base models shared by every app: timestamps, public ids and the tenant choke point."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.utils.translation import gettext_lazy as _

from rempart.core.actions import Action

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class TimeStampedModel(models.Model):
    """Creation and last-change timestamps, and a UUID used in URLs instead of the integer key."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class TenantQuerySet(models.QuerySet[Any]):
    """The only way to read tenant-owned rows for a user: `Model.objects.visible_to(user)`."""

    def visible_to(
        self, user: AbstractBaseUser | AnonymousUser, *, action: Action = Action.VIEW
    ) -> Self:
        """Rows of establishments on which `user` may perform `action`; empty for anyone else."""
        from rempart.tenancy.access import establishments_for  # noqa: PLC0415  (cycle)

        return self.filter(establishment__in=establishments_for(user, action=action))

    def for_establishment(self, establishment: Any) -> Self:
        """Rows of one establishment already resolved by the access module (system context)."""
        return self.filter(establishment=establishment)


class TenantOwnedModel(TimeStampedModel):
    """Base class of every row that belongs to one establishment (non-null, no default, ever)."""

    establishment = models.ForeignKey(
        "tenancy.Establishment",
        on_delete=models.PROTECT,
        related_name="%(app_label)s_%(class)s_set",
        verbose_name=_("establishment"),
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True
