"""Users (custom from day one), invitations and API tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rempart.core.models import TenantOwnedModel, TimeStampedModel
from rempart.tenancy.choices import MemberRole, OperatorRole


class RempartUserManager(UserManager["User"]):
    """Users are identified by e-mail; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in: operator staff or member staff. Employees have no account."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="fr"
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    objects = RempartUserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


def _invitation_expiry() -> Any:
    return timezone.now() + timedelta(days=settings.INVITATION_DAYS)


class InvitationBase(TimeStampedModel):
    """An e-mailed, single-use, expiring link to join; the token is stored hashed."""

    email = models.EmailField(_("e-mail address"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    expires_at = models.DateTimeField(_("expires at"), default=_invitation_expiry)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_pending(self) -> bool:
        return not (self.accepted_at or self.revoked_at) and self.expires_at > timezone.now()


class Invitation(InvitationBase, TenantOwnedModel):
    """An invitation to become a member of an establishment with a role."""

    role = models.CharField(_("role"), max_length=20, choices=MemberRole)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.establishment} ({self.get_role_display()})"


class StaffInvitation(InvitationBase):
    """An invitation to join the regional team (operator staff)."""

    operator = models.ForeignKey(
        "tenancy.Operator", on_delete=models.CASCADE, verbose_name=_("operator")
    )
    role = models.CharField(_("role"), max_length=20, choices=OperatorRole)
    all_establishments = models.BooleanField(_("perimeter: all establishments"), default=True)
    groups = models.ManyToManyField(
        "tenancy.EstablishmentGroup", blank=True, verbose_name=_("perimeter groups")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.get_role_display()}"


class ApiToken(TimeStampedModel):
    """A personal API token: scoped, expiring, revocable; only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class SignInThrottle(models.Model):
    """Failed sign-ins of one login from one address, or of every login from one address
    (`login` empty): the state of sign-in throttling (see docs/security.md).

    Not tenant data: a row names what was typed in the sign-in form, which may be no
    account at all."""

    login = models.CharField(_("login"), max_length=254, blank=True)
    address = models.CharField(_("address"), max_length=45)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    last_failure_at = models.DateTimeField(_("last failure"))
    blocked_until = models.DateTimeField(_("blocked until"), null=True, blank=True)

    class Meta:
        ordering = ["-last_failure_at"]
        verbose_name = _("sign-in throttle")
        verbose_name_plural = _("sign-in throttles")
        constraints = [
            models.UniqueConstraint(
                fields=["login", "address"], name="accounts_signinthrottle_login_address"
            )
        ]
        indexes = [models.Index(fields=["address", "blocked_until"])]

    def __str__(self) -> str:
        return f"{self.login or '*'} @ {self.address}"
