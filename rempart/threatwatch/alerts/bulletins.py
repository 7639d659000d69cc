"""The weekly bulletin (bulletin de veille): the week's KEV additions and CERT-FR
publications with the members' exposure and follow-up, regional (the regional team) or for
one member (its referents). HTML and PDF, in French; built and sent by a periodic task,
once per week (`Bulletin.week` is unique and `sent_at` marks the sending)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rempart.scanning.services.report_pdf import html_to_pdf
from rempart.tenancy.models import Establishment, Membership
from rempart.threatwatch.alerts.models import (
    Bulletin,
    EstablishmentAlert,
    FollowUp,
    WatchSubscription,
)
from rempart.threatwatch.models import Advisory, KevEntry

LANGUAGE = "fr"


def week_of(day: dt.date) -> dt.date:
    """The Monday of the week of `day`."""
    return day - dt.timedelta(days=day.weekday())


def _bounds(week: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(week, dt.time()))
    return start, start + dt.timedelta(days=7)


def _states(alerts: list[EstablishmentAlert]) -> list[tuple[str, int]]:
    counts = Counter(a.status for a in alerts)
    return [(str(label), counts.get(value, 0)) for value, label in FollowUp.choices]


def bulletin_context(
    *, week: dt.date, establishment: Establishment | None = None
) -> dict[str, Any]:
    """Everything the bulletin's template needs; with `establishment`, only its alerts."""
    start, end = _bounds(week)
    kev = list(
        KevEntry.objects.filter(date_added__gte=week, date_added__lt=week + dt.timedelta(days=7))
    )
    advisories = list(Advisory.objects.filter(published__gte=start, published__lt=end))
    alerts = EstablishmentAlert.objects.filter(
        event__kind__in=["kev", "certfr"],
        event__reference__in=[k.cve_id for k in kev] + [a.reference for a in advisories],
    ).select_related("establishment", "event")
    if establishment is not None:
        alerts = alerts.filter(establishment=establishment)
    by_reference: dict[str, list[EstablishmentAlert]] = defaultdict(list)
    for alert in alerts.order_by("establishment__name"):
        by_reference[alert.event.reference].append(alert)
    everything = [a for found in by_reference.values() for a in found]
    return {
        "week": week,
        "week_end": week + dt.timedelta(days=6),
        "establishment": establishment,
        "kev": [(k, by_reference.get(k.cve_id, [])) for k in kev],
        "advisories": [(a, by_reference.get(a.reference, [])) for a in advisories],
        "exposed": len({a.establishment_id for a in everything}),
        "states": _states(everything),
        "members": _members(everything) if establishment is None else [],
        "alerts": everything,
        "generated_at": timezone.now(),
    }


def _members(alerts: list[EstablishmentAlert]) -> list[tuple[Establishment, list[tuple[str, int]]]]:
    grouped: dict[int, list[EstablishmentAlert]] = defaultdict(list)
    for alert in alerts:
        grouped[alert.establishment_id].append(alert)
    rows = [(found[0].establishment, _states(found)) for found in grouped.values()]
    return sorted(rows, key=lambda row: row[0].name)


def bulletin_html(*, week: dt.date, establishment: Establishment | None = None) -> str:
    with translation.override(LANGUAGE):
        context = bulletin_context(week=week, establishment=establishment)
        return render_to_string("threatwatch/alerts/bulletin_pdf.html", context)


def bulletin_pdf(*, week: dt.date, establishment: Establishment | None = None) -> bytes:
    return html_to_pdf(bulletin_html(week=week, establishment=establishment))


@transaction.atomic
def bulletin_build(*, week: dt.date) -> Bulletin:
    """The regional bulletin of `week`, built once (later calls return it)."""
    bulletin, created = Bulletin.objects.select_for_update().get_or_create(week=week_of(week))
    if created or not bulletin.pdf:
        context = bulletin_context(week=bulletin.week)
        bulletin.data = {
            "kev": len(context["kev"]),
            "certfr": len(context["advisories"]),
            "exposed": context["exposed"],
        }
        bulletin.pdf = bulletin_pdf(week=bulletin.week)
        bulletin.save(update_fields=["data", "pdf", "updated_at"])
    return bulletin


def filename_of(week: dt.date, establishment: Establishment | None = None) -> str:
    suffix = f"-{establishment.slug}" if establishment else ""
    return f"bulletin-de-veille-{week.isoformat()}{suffix}.pdf"


def _recipients() -> tuple[list[Any], dict[Any, list[Establishment]]]:
    """The regional team subscribed to the region (regional version) and the members'
    referents (their establishments' version), unless they opted out of the bulletin."""
    users = (
        get_user_model().objects.filter(is_active=True).exclude(watch_preference__bulletin=False)
    )
    region = list(users.filter(watch_subscriptions__kind=WatchSubscription.Kind.REGION).distinct())
    referents: dict[Any, list[Establishment]] = defaultdict(list)
    memberships = Membership.objects.filter(role="referent", user__in=users).select_related(
        "user", "establishment"
    )
    for membership in memberships.exclude(user__in=region):
        referents[membership.user].append(membership.establishment)
    return region, referents


def bulletin_send(*, bulletin: Bulletin) -> int:
    """Send the bulletin once: returns the number of messages (0 when already sent)."""
    with transaction.atomic():
        locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
        if locked.sent_at is not None:
            return 0
        region, referents = _recipients()
        sent = 0
        with get_connection() as connection:
            for user in region:
                sent += _mail(
                    user, bulletin, [(filename_of(bulletin.week), bytes(bulletin.pdf))], connection
                )
            for user, establishments in referents.items():
                files = [
                    (
                        filename_of(bulletin.week, e),
                        bulletin_pdf(week=bulletin.week, establishment=e),
                    )
                    for e in establishments
                ]
                sent += _mail(user, bulletin, files, connection)
        locked.sent_at = timezone.now()
        locked.save(update_fields=["sent_at", "updated_at"])
    return sent


def _mail(user: Any, bulletin: Bulletin, files: list[tuple[str, bytes]], connection: Any) -> int:
    with translation.override(LANGUAGE):
        subject = _("Weekly threat-watch bulletin — week of %(day)s") % {
            "day": bulletin.week.strftime("%d/%m/%Y")
        }
        body = render_to_string(
            "threatwatch/alerts/bulletin_mail.txt",
            {"bulletin": bulletin, "site_url": settings.SITE_URL},
        )
    message = EmailMultiAlternatives(
        subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], connection=connection
    )
    for name, data in files:
        message.attach(name, data, "application/pdf")
    message.send()
    return 1


def weekly_bulletin(*, today: dt.date | None = None) -> Bulletin:
    """The periodic task's work: last week's bulletin, built and sent once."""
    day = today or timezone.localdate()
    bulletin = bulletin_build(week=week_of(day) - dt.timedelta(days=7))
    bulletin_send(bulletin=bulletin)
    bulletin.refresh_from_db(fields=["sent_at"])
    return bulletin
