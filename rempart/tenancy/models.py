"""The operator (the cooperative), its groups and establishments, and who belongs where."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from rempart.core.actions import Action
from rempart.core.models import TenantOwnedModel, TimeStampedModel
from rempart.tenancy import finess
from rempart.tenancy.choices import (
    ContactRole,
    EstablishmentCategory,
    GroupKind,
    MemberRole,
    OperatorRole,
)


class Operator(TimeStampedModel):
    """The regional cooperative (GRADeS) that runs the platform for its members."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=50)
    region = models.CharField(_("region"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("regional operator")
        verbose_name_plural = _("regional operators")

    def __str__(self) -> str:
        return self.short_name or self.name


class EstablishmentGroup(TimeStampedModel):
    """A grouping of establishments, usually a GHT (Groupement Hospitalier de Territoire)."""

    operator = models.ForeignKey(
        Operator, on_delete=models.PROTECT, related_name="groups", verbose_name=_("operator")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=GroupKind, default=GroupKind.GHT)
    code = models.SlugField(_("code"), max_length=50)
    support_establishment = models.ForeignKey(
        "tenancy.Establishment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supported_groups",
        verbose_name=_("support establishment"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("establishment group")
        verbose_name_plural = _("establishment groups")
        constraints = [
            models.UniqueConstraint(
                fields=["operator", "code"],
                name="tenancy_group_unique_code",
                violation_error_message=_("A group with this code already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class EstablishmentQuerySet(models.QuerySet["Establishment"]):
    """Establishments readable or changeable by a user, through the access module."""

    def visible_to(self, user: Any, *, action: Any = None) -> EstablishmentQuerySet:
        from rempart.tenancy.access import establishments_for  # noqa: PLC0415  (cycle)

        return self.filter(pk__in=establishments_for(user, action=action or Action.VIEW))


class Establishment(TimeStampedModel):
    """A member establishment (FINESS ET) of the operator; the tenant of every owned row."""

    operator = models.ForeignKey(
        Operator,
        on_delete=models.PROTECT,
        related_name="establishments",
        verbose_name=_("operator"),
    )
    group = models.ForeignKey(
        EstablishmentGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="establishments",
        verbose_name=_("group"),
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in URLs"), max_length=60, unique=True)
    finess_et = models.CharField(
        _("FINESS ET"),
        max_length=9,
        unique=True,
        null=True,
        blank=True,
        validators=[finess.validate_finess],
        error_messages={"unique": _("An establishment with this FINESS ET already exists.")},
        help_text=_("Required, except for the operator's own IT (which may have none)."),
    )
    finess_ej = models.CharField(
        _("FINESS EJ (legal entity)"),
        max_length=9,
        blank=True,
        validators=[finess.validate_finess],
    )
    legal_entity_name = models.CharField(_("legal entity"), max_length=200, blank=True)
    siret = models.CharField(
        _("SIRET"), max_length=14, blank=True, validators=[finess.validate_siret]
    )
    category = models.CharField(_("category"), max_length=20, choices=EstablishmentCategory)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    is_operator_own = models.BooleanField(
        _("operator's own IT or hosted platform"),
        default=False,
        help_text=_("The cooperative's own IT and the regional platform it hosts."),
    )
    require_mfa = models.BooleanField(
        _("require MFA for members"),
        default=False,
        help_text=_("Members must set up a second factor before using the platform."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = EstablishmentQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("establishment")
        verbose_name_plural = _("establishments")

    def __str__(self) -> str:
        return self.name

    @property
    def department(self) -> str:
        return finess.finess_department(self.finess_et) if self.finess_et else ""

    def clean(self) -> None:
        self.finess_et = finess.normalize(self.finess_et or "") or None
        self.finess_ej = finess.normalize(self.finess_ej)
        self.siret = finess.normalize(self.siret)
        if not self.is_operator_own and not (self.finess_et and self.finess_ej):
            raise ValidationError(
                {"finess_et": _("A member establishment needs its FINESS ET and FINESS EJ.")}
            )


class Site(TenantOwnedModel):
    """A physical location of an establishment."""

    name = models.CharField(_("name"), max_length=200)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.name


class Contact(TenantOwnedModel):
    """A named contact of an establishment (director, RSSI, DPO, DSI, quality, on-call)."""

    role = models.CharField(_("role"), max_length=20, choices=ContactRole)
    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        ordering = ["role", "full_name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_role_display()})"


class Membership(TenantOwnedModel):
    """A user's role in one establishment."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=MemberRole)

    class Meta:
        ordering = ["establishment__name", "user__email"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "establishment"],
                name="tenancy_membership_unique_user",
                violation_error_message=_("This user is already a member of this establishment."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.establishment} ({self.get_role_display()})"


class OperatorAssignment(TimeStampedModel):
    """A member of the regional team: role and perimeter (all establishments or some groups)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="operator_assignment",
        verbose_name=_("user"),
    )
    operator = models.ForeignKey(
        Operator, on_delete=models.PROTECT, related_name="staff", verbose_name=_("operator")
    )
    role = models.CharField(_("role"), max_length=20, choices=OperatorRole)
    all_establishments = models.BooleanField(_("perimeter: all establishments"), default=True)
    groups = models.ManyToManyField(
        EstablishmentGroup, blank=True, related_name="staff", verbose_name=_("perimeter groups")
    )

    class Meta:
        ordering = ["user__email"]
        verbose_name = _("operator staff assignment")
        verbose_name_plural = _("operator staff assignments")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"
