"""Regional comparison for the operator: the same lure, the same quarter, one line per
establishment.

Campaigns are compared variant by variant, because a campaign may send several templates:
two variants share a *template identity* when they come from the same starter-library entry
(`EmailTemplate.library_key`), or, for an establishment's own templates, when the template
name and the frozen subject are the same (case and spacing ignored). They fall in the same
*period* when their sending started in the same calendar quarter (Europe/Paris): regional
campaigns are planned by quarter, and a quarter keeps apart the same lure sent again later
in the year.

The figures are those of `stats.py` (its counts, its `Funnel` rates over the messages sent,
its minimum group). An establishment that sent fewer than `stats.MIN_GROUP` messages of the
lure gets no figure at all — establishments are not merged, since a merged line compares
nothing — and stays out of the regional total, so that the total minus the other lines
cannot reveal it.

Each establishment's confirmed-click and report rates come with their 95 % Wilson score
interval (`wilson`): with a few dozen people per line, a difference of a few points is
often chance, and overlapping intervals say so. Difficulty is held constant by the grouping
itself: lines are only compared within one lure, whose NIST Phish Scale difficulty (frozen
on each variant at approval) the group shows.

Establishments are resolved by the caller through the access module (the operator's
perimeter); nothing here reads a user.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.phishing.choices import CampaignStatus, Difficulty, InteractionKind
from rempart.phishing.models import Campaign, CampaignVariant, Interaction, Target
from rempart.phishing.results import stats
from rempart.tenancy.models import Establishment

# Campaigns whose messages went out (a scheduled campaign has sent nothing yet; a
# cancelled one stopped part-way and would compare a partial audience).
COMPARED_STATUSES = (CampaignStatus.SENDING, CampaignStatus.RUNNING, CampaignStatus.CLOSED)
RATES = ("opened", "clicked_raw", "clicked", "submitted", "reported", "reported_before_click")
SUMMED = ("targets", "sent", "trained", *RATES)
QUARTER_KEY = re.compile(r"^(\d{4})-Q([1-4])$")
MONTHS_PER_QUARTER = 3
INTERVALS = ("clicked", "reported")  # the rates shown with their confidence interval
Z_95 = 1.959963984540054  # standard normal quantile for a two-sided 95 % interval


def wilson(successes: int, total: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (as fractions in [0, 1]); None when
    nothing was sent. Unlike the normal approximation it stays within [0, 1] and behaves
    for small groups and rates near 0 or 100 %."""
    if total <= 0:
        return None
    p, z2 = successes / total, z * z
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Interval:
    """A 95 % interval in percent, rounded as the rates are (one decimal)."""

    low: float
    high: float


@dataclass(frozen=True, order=True)
class Period:
    """A calendar quarter in Europe/Paris."""

    year: int
    quarter: int

    @classmethod
    def of(cls, moment: datetime) -> Period:
        local = timezone.localtime(moment)
        return cls(local.year, (local.month - 1) // MONTHS_PER_QUARTER + 1)

    @classmethod
    def parse(cls, key: str) -> Period | None:
        match = QUARTER_KEY.match(key or "")
        return cls(int(match[1]), int(match[2])) if match else None

    @property
    def key(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def label(self) -> str:
        return _("Q%(quarter)d %(year)d") % {"quarter": self.quarter, "year": self.year}

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes."""
        first = (self.quarter - 1) * MONTHS_PER_QUARTER
        years, after = divmod(first + MONTHS_PER_QUARTER, 12)
        # Naive on purpose: made aware in the current time zone (Europe/Paris) just below.
        start = datetime(self.year, first + 1, 1)  # noqa: DTZ001
        end = datetime(self.year + years, after + 1, 1)  # noqa: DTZ001
        return timezone.make_aware(start), timezone.make_aware(end)


@dataclass(frozen=True)
class TemplateIdentity:
    """What makes two variants "the same lure" (see the module docstring)."""

    key: str
    library: bool

    @classmethod
    def of(cls, variant: CampaignVariant) -> TemplateIdentity:
        template = variant.template
        if template.library_key:
            return cls(f"library:{template.library_key}", library=True)
        subject = variant.subject or template.subject
        return cls(f"custom:{_normalized(template.name)}|{_normalized(subject)}", library=False)


def _normalized(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass
class Line:
    """One establishment's results for one lure in one period (or the regional total,
    `establishment` None)."""

    establishment: Establishment | None
    funnel: stats.Funnel = field(default_factory=stats.Funnel)
    campaigns: set[int] = field(default_factory=set)
    establishments: int = 0
    first_report_delays: list[timedelta] = field(default_factory=list)

    @property
    def suppressed(self) -> bool:
        return self.funnel.suppressed

    @property
    def rates(self) -> dict[str, float | None]:
        """Percentages of the messages sent; all None under the minimum group."""
        return {name: None if self.suppressed else self.funnel.rate(name) for name in RATES}

    @property
    def intervals(self) -> dict[str, Interval | None]:
        """95 % Wilson intervals of the rates in INTERVALS; None under the minimum group."""
        result: dict[str, Interval | None] = {}
        for name in INTERVALS:
            bounds = (
                None if self.suppressed else wilson(getattr(self.funnel, name), self.funnel.sent)
            )
            result[name] = (
                None
                if bounds is None
                else Interval(round(100 * bounds[0], 1), round(100 * bounds[1], 1))
            )
        return result

    @property
    def median_first_report(self) -> timedelta | None:
        """Median over the campaigns of the delay from the first message to the first
        report (`stats.Funnel.first_report_after`, per campaign and lure)."""
        if self.suppressed or not self.first_report_delays:
            return None
        return timedelta(
            seconds=statistics.median(delay.total_seconds() for delay in self.first_report_delays)
        )

    @property
    def median_first_report_display(self) -> str:
        return format_delay(self.median_first_report)

    def add(self, other: Line) -> None:
        for name in SUMMED:
            setattr(self.funnel, name, getattr(self.funnel, name) + getattr(other.funnel, name))
        self.campaigns |= other.campaigns
        self.first_report_delays += other.first_report_delays


@dataclass
class Group:
    """Establishments that sent the same lure in the same period."""

    identity: TemplateIdentity
    period: Period
    names: Counter[str] = field(default_factory=Counter)
    subjects: Counter[str] = field(default_factory=Counter)
    difficulties: Counter[str] = field(default_factory=Counter)
    lines: list[Line] = field(default_factory=list)
    total: Line = field(default_factory=lambda: Line(None))

    @property
    def name(self) -> str:
        """The template name most establishments used."""
        return self.names.most_common(1)[0][0] if self.names else ""

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.name.casefold(), self.identity.key)

    @property
    def subject(self) -> str:
        return self.subjects.most_common(1)[0][0] if self.subjects else ""

    @property
    def difficulty_labels(self) -> list[str]:
        """The lure's Phish Scale difficulty, as frozen on the variants (most common first;
        more than one when establishments edited their copy of the lure)."""
        labels = []
        for value, _count in self.difficulties.most_common():
            labels.append(str(Difficulty(value).label) if value in Difficulty.values else value)
        return labels

    @property
    def hidden_establishments(self) -> int:
        return sum(1 for line in self.lines if line.suppressed)


def format_delay(delay: timedelta | None) -> str:
    """A delay for people: 2 d 3 h, 4 h 05 min, 12 min (translations localise the units)."""
    if delay is None:
        return "—"
    minutes = int(delay.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def _compared(
    establishments: QuerySet[Establishment], period: Period | None = None
) -> QuerySet[Campaign]:
    """Campaigns that sent, with a start (the actual launch, else the planned one), started
    in `period` if given."""
    campaigns = Campaign.objects.filter(
        establishment__in=establishments, status__in=COMPARED_STATUSES
    )
    if period is None:
        return campaigns.filter(Q(launched_at__isnull=False) | Q(launch_at__isnull=False))
    start, end = period.bounds
    return campaigns.filter(
        Q(launched_at__gte=start, launched_at__lt=end)
        | Q(launched_at=None, launch_at__gte=start, launch_at__lt=end)
    )


def comparison_periods(*, establishments: QuerySet[Establishment]) -> list[Period]:
    """Quarters in which the establishments started sending a campaign, latest first."""
    starts = _compared(establishments).values_list("launched_at", "launch_at").order_by()
    moments = [launched or planned for launched, planned in starts]
    return sorted({Period.of(moment) for moment in moments if moment}, reverse=True)


def comparison_groups(
    *, establishments: QuerySet[Establishment], period: Period | None
) -> list[Group]:
    """The lures sent by at least one of `establishments`, by period (`None`: every
    period), latest period first, with one line per establishment and a regional total."""
    campaigns = _compared(establishments, period)
    variants = list(
        CampaignVariant.objects.filter(campaign__in=campaigns.values("pk")).select_related(
            "template", "campaign", "campaign__establishment"
        )
    )
    lines = _variant_lines(campaigns)
    groups: dict[tuple[Period, TemplateIdentity], Group] = {}
    for variant in variants:
        started = variant.campaign.launched_at or variant.campaign.launch_at
        if started is None:  # excluded by _compared; keeps the type checker informed
            continue
        identity, when = TemplateIdentity.of(variant), Period.of(started)
        group = groups.setdefault((when, identity), Group(identity, when))
        group.names[variant.template.name] += 1
        group.subjects[variant.subject or variant.template.subject] += 1
        group.difficulties[variant.difficulty or variant.template.difficulty] += 1
        line = lines.get(variant.pk) or Line(None, campaigns={variant.campaign_id})
        line.establishment = variant.campaign.establishment
        _merge(group, line)
    for group in groups.values():
        _finish(group)
    return sorted(groups.values(), key=lambda g: (-g.period.year, -g.period.quarter, g.sort_key))


def _merge(group: Group, line: Line) -> None:
    for existing in group.lines:
        if existing.establishment == line.establishment:
            existing.add(line)
            return
    group.lines.append(line)


def _finish(group: Group) -> None:
    group.lines.sort(key=lambda line: line.establishment.name if line.establishment else "")
    for line in group.lines:
        if not line.suppressed:
            group.total.add(line)
            group.total.establishments += 1


def _annotations() -> dict[str, Any]:
    """`stats`' counts per group of targets, report-before-click, and the first sending
    and report."""
    return {
        **stats.funnel_annotations(),
        "reported_before_click": stats.reported_before_click(),
        "first_sent": Min("sent_at"),
        "first_reported": Min("reported_at"),
    }


def _variant_lines(campaigns: QuerySet[Campaign]) -> dict[int, Line]:
    """One line per variant of `campaigns`: two grouped queries however many campaigns."""
    chosen = campaigns.values("pk")
    rows = Target.objects.filter(campaign__in=chosen).values("variant", "campaign")
    raw = dict(
        Interaction.objects.filter(campaign__in=chosen, kind=InteractionKind.CLICK)
        .values("target__variant")
        .annotate(count=Count("target", distinct=True))
        .values_list("target__variant", "count")
        .order_by()
    )
    lines: dict[int, Line] = {}
    for values in rows.annotate(**_annotations()).order_by():
        first_sent, first_reported = values.pop("first_sent"), values.pop("first_reported")
        variant, campaign = values.pop("variant"), values.pop("campaign")
        line = Line(None, stats.Funnel(**values), campaigns={campaign})
        line.funnel.clicked_raw = raw.get(variant, 0)
        if first_sent and first_reported:
            line.first_report_delays.append(first_reported - first_sent)
        lines[variant] = line
    return lines
