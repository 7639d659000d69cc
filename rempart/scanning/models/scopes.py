"""What may be scanned, with whose authorisation, and when."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from rempart.core.models import TenantOwnedModel
from rempart.engine.ports import parse_spec
from rempart.engine.targets import TargetError, problems, validate_syntax
from rempart.scanning.choices import Frequency, Policy, Weekday
from rempart.scanning.problems import describe


def target_lines(value: str) -> list[str]:
    """The targets of a multi-line field: one per line, `#` starts a comment."""
    return [t for t in (line.split("#", 1)[0].strip() for line in value.splitlines()) if t]


MAX_SHOWN_PROBLEMS = 10


def _validate_targets(value: str) -> None:
    """Each line readable (host names resolve), and all of them together, overlaps merged,
    no larger than one scan may be."""
    lines = target_lines(value)
    if not lines:
        raise ValidationError(_("Give at least one address, network, range or host name."))
    found = problems(lines)
    if found:
        messages = [describe(p) for p in found[:MAX_SHOWN_PROBLEMS]]
        more = len(found) - MAX_SHOWN_PROBLEMS
        if more > 0:
            messages.append(
                ngettext(
                    "… and %(count)d other invalid line.",
                    "… and %(count)d other invalid lines.",
                    more,
                )
                % {"count": more}
            )
        raise ValidationError(messages)


def validate_ports(value: str) -> None:
    """An nmap-style port list: numbers from 1 to 65535 and ranges, separated by commas."""
    bad = []
    for part in filter(None, (p.strip() for p in value.split(","))):
        try:
            parse_spec(part)
        except ValueError:
            bad.append(part)
    if bad:
        raise ValidationError(
            _(
                "Invalid ports: %(ports)s. Give numbers from 1 to 65535 or ranges such as "
                "8000-8010, separated by commas."
            )
            % {"ports": ", ".join(bad[:10])},
            code="invalid_ports",
        )


class Scope(TenantOwnedModel):
    """The authorised perimeter of an establishment: networks, ranges and host names."""

    name = models.CharField(_("name"), max_length=200)
    targets = models.TextField(
        _("targets"),
        validators=[_validate_targets],
        help_text=_(
            "One per line: address, CIDR block (10.1.0.0/24), range (10.1.0.10-40) or "
            "host name. Text after # is a comment."
        ),
    )
    deep_allowed = models.BooleanField(
        _("deep policy allowed"),
        default=False,
        help_text=_("Allows intrusive checks (default credentials, HL7 acknowledgement)."),
    )
    tcp_ports = models.CharField(
        _("TCP ports"),
        max_length=2000,
        blank=True,
        validators=[validate_ports],
        help_text=_("Empty: the policy's default set. Example: 22,80,443,8000-8010."),
    )
    udp_ports = models.CharField(
        _("UDP ports"), max_length=500, blank=True, validators=[validate_ports]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("scope")
        verbose_name_plural = _("scopes")
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "name"],
                name="scanning_scope_unique_name",
                violation_error_message=_("A scope with this name exists."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def target_lines(self) -> list[str]:
        return target_lines(self.targets)


class ScopeAuthorisation(TenantOwnedModel):
    """Who authorised scanning a scope, when, until when, with the signed document."""

    scope = models.ForeignKey(
        Scope, on_delete=models.CASCADE, related_name="authorisations", verbose_name=_("scope")
    )
    authorised_by = models.CharField(
        _("authorised by"), max_length=200, help_text=_("Name and function of the signatory.")
    )
    authorised_on = models.DateField(_("authorised on"), default=dt.date.today)
    valid_until = models.DateField(_("valid until"))
    document = models.FileField(_("document"), upload_to="scanning/authorisations/", blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["-valid_until"]
        verbose_name = _("scan authorisation")
        verbose_name_plural = _("scan authorisations")

    def __str__(self) -> str:
        return f"{self.scope} — {self.authorised_by} ({self.valid_until})"

    def is_valid_on(self, day: dt.date) -> bool:
        return self.authorised_on <= day <= self.valid_until


class Exclusion(TenantOwnedModel):
    """An address or network never to be scanned (e.g. a fragile biomedical device)."""

    target = models.CharField(_("address or network"), max_length=100)
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["target"]
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")

    def __str__(self) -> str:
        return f"{self.target} ({self.reason})"

    def clean(self) -> None:
        try:
            validate_syntax(self.target)
        except TargetError as exc:
            raise ValidationError({"target": describe(exc)}) from exc


class ScanWindow(TenantOwnedModel):
    """When scans of a scope may run (Europe/Paris); overnight windows end the next day."""

    scope = models.ForeignKey(
        Scope, on_delete=models.CASCADE, related_name="windows", verbose_name=_("scope")
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("to"))

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("scan window")
        verbose_name_plural = _("scan windows")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class ScanSchedule(TenantOwnedModel):
    """A recurring scan of a scope; launched by the scheduler inside the allowed windows."""

    scope = models.ForeignKey(
        Scope, on_delete=models.CASCADE, related_name="schedules", verbose_name=_("scope")
    )
    policy = models.CharField(_("policy"), max_length=20, choices=Policy, default=Policy.STANDARD)
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency, default=Frequency.WEEKLY
    )
    weekday = models.PositiveSmallIntegerField(_("day of the week"), choices=Weekday, default=5)
    day_of_month = models.PositiveSmallIntegerField(_("day of the month"), default=1)
    time = models.TimeField(_("time"), default=dt.time(22, 0))
    enabled = models.BooleanField(_("enabled"), default=True)
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["scope__name", "time"]
        verbose_name = _("scan schedule")
        verbose_name_plural = _("scan schedules")

    def __str__(self) -> str:
        return f"{self.scope} — {self.get_frequency_display()} {self.time:%H:%M}"
