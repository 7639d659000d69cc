"""The demo's phishing simulations: set-up, campaigns, and what the recipients did.

Every call into the phishing app is in this module. Set-up, submission, approval and
closing go through the phishing services; interactions through the same recording
functions as the tracking pages and the report mailbox. Two things differ from a real
platform, because the demo is offline:

- the mail domains are marked verified by the operator (the verification service's manual
  path) instead of by their DNS TXT record: `.test` domains resolve nowhere;
- there is no mail relay: each message is recorded as sent at the time the scheduler
  planned for it, as the sender records it after the relay accepted it.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from django.utils import timezone

from rempart.ops.demo.clock import Timeline
from rempart.phishing.campaigns.services import (
    campaign_approve,
    campaign_close,
    campaign_save,
    campaign_submit,
)
from rempart.phishing.choices import InteractionKind, MailSecurity, TargetState
from rempart.phishing.models import (
    Campaign,
    EmailTemplate,
    LandingPage,
    RecipientGroup,
    ReportMailbox,
    SendingProfile,
    Target,
)
from rempart.phishing.reports.services import mailbox_save, report_ingest
from rempart.phishing.settings.library import library_install
from rempart.phishing.settings.recipients import recipients_csv_import
from rempart.phishing.settings.services import domain_add, domain_verify, group_save, profile_save
from rempart.phishing.tracking.hits import Hit, confirm_human, record, record_submission

BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Safari/537.36 Edg/128.0.0.0"
)
MAIL_SCANNER = "Mozilla/5.0 (compatible; SafeLinks link checker)"
FIRST_NAMES = [
    "Nathalie",
    "Julien",
    "Sophie",
    "Thomas",
    "Isabelle",
    "Nicolas",
    "Céline",
    "Mehdi",
    "Aurélie",
    "Karim",
    "Émilie",
    "Vincent",
    "Sandrine",
    "Antoine",
    "Fatou",
    "Laurent",
    "Chloé",
    "Yannick",
    "Marion",
    "Olivier",
    "Léa",
    "Rachid",
]
LAST_NAMES = [
    "Lefèvre",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guerin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clement",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Diallo",
    "Benali",
]
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
MIN_GROUP = 5  # the results hide rates of smaller groups
GROUPS = (
    ("Soins — pôle médecine", "Infirmier", ("Cardiologie", "Gériatrie")),
    ("Administration et accueil", "Adjoint administratif", ("Admissions", "Facturation")),
)


@dataclass(frozen=True)
class Plan:
    """A campaign to play: its establishment, who prepares and approves it, when."""

    slug: str
    domain: str
    author: str
    approver: str
    days_ago: int
    template_key: str
    people_per_group: int
    closed: bool = True


PLANS = (
    Plan("ch-boulogne", "ch-boulogne.demo.test", "rssi.ght", "admin", 40, "fr-dpi-access", 10),
    Plan("ch-nanterre", "ch-nanterre.demo.test", "rssi.ght", "admin", 33, "fr-payroll-portal", 10),
    Plan(
        "ehpad-tilleuls",
        "ehpad-tilleuls.demo.test",
        "direction.ehpad",
        "admin",
        26,
        "fr-parcel-reception",
        5,
    ),
)
DRAFT = Plan(
    "hdj-suresnes",
    "hdj-suresnes.demo.test",
    "rssi.ght",
    "admin",
    -2,  # prepared yesterday, to be sent next week
    "fr-lab-results",
    5,
    closed=False,
)


def campaigns_play(*, places: dict[str, Any], people: dict[str, Any], timeline: Timeline) -> None:
    """Three closed campaigns with their results and one draft, in four establishments."""
    rng = random.Random(20261206)  # noqa: S311  (fixed seed: the same demo every time)
    for plan in (*PLANS, DRAFT):
        establishment, author = places[plan.slug], people[plan.author]
        with timeline.at(plan.days_ago + 3, 10):
            campaign = _prepare(plan, establishment, author, rng)
        if plan.closed:
            _run(plan, campaign, people, timeline, rng)


def _prepare(plan: Plan, establishment: Any, author: Any, rng: random.Random) -> Campaign:
    library_install(establishment=establishment, actor=author)
    domain = domain_add(establishment=establishment, domain=plan.domain, actor=author)
    domain_verify(domain=domain, actor=author)  # offline demo: no DNS to check
    groups = [_group(plan, establishment, author, spec, rng) for spec in GROUPS]
    profile = profile_save(
        instance=SendingProfile(
            establishment=establishment,
            name="Relais de simulation",
            host=f"smtp.{plan.domain}",
            port=587,
            from_address=f"ne-pas-repondre@{plan.domain}",
            from_name="Service informatique",
        ),
        actor=author,
    )
    mailbox_save(
        mailbox=ReportMailbox(
            establishment=establishment,
            name="Signalements du personnel",
            host=f"imap.{plan.domain}",
            port=993,
            security=MailSecurity.TLS,
            username=f"signalement@{plan.domain}",
            enabled=False,  # offline demo: never polled (enable it with a real mailbox)
        ),
        actor=author,
        password=secrets.token_urlsafe(12),  # no real mailbox behind it
    )
    template = EmailTemplate.objects.for_establishment(establishment).get(
        library_key=plan.template_key
    )
    launch = _next_tuesday()
    campaign = campaign_save(
        campaign=Campaign(
            establishment=establishment,
            name=f"Sensibilisation {MONTHS[launch.month - 1]} {launch.year} — {template.name}",
            sending_profile=profile,
            landing_page=LandingPage.objects.for_establishment(establishment).first(),
            launch_at=launch,
            send_by=launch + dt.timedelta(days=2),
            retention_until=(launch + dt.timedelta(days=180)).date(),
            staff_informed_on=(launch - dt.timedelta(days=30)).date(),
        ),
        actor=author,
        groups=groups,
        templates=[template],
    )
    if plan.closed:
        campaign_submit(campaign=campaign, actor=author)
    return campaign


def _next_tuesday() -> dt.datetime:
    """Sending starts on a Tuesday morning at least three days ahead (the clock is the demo's
    moved one): the draft prepared yesterday is still to be sent."""
    now = timezone.localtime()
    days = (1 - now.weekday()) % 7
    days += 7 if days < 3 else 0  # noqa: PLR2004
    return (now + dt.timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)


def _group(
    plan: Plan, establishment: Any, author: Any, spec: tuple[Any, ...], rng: random.Random
) -> RecipientGroup:
    name, job, services = spec
    group = group_save(
        instance=RecipientGroup(
            establishment=establishment,
            name=name,
            description="Démonstration : domaine marqué vérifié sans DNS (plateforme hors ligne).",
        ),
        actor=author,
    )
    lines = ["courriel;prénom;nom;service;fonction"]
    services = services[: max(1, plan.people_per_group // MIN_GROUP)]  # every row shows
    for index in range(plan.people_per_group):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{_ascii(first)}.{_ascii(last)}{index}@{plan.domain}"
        lines.append(f"{email};{first};{last};{services[index % len(services)]};{job}")
    recipients_csv_import(group=group, data="\n".join(lines).encode(), actor=author)
    return group


def _ascii(name: str) -> str:
    table = str.maketrans("éèëÉç", "eeeEc")
    return name.translate(table).lower()


def _run(
    plan: Plan, campaign: Campaign, people: dict[str, Any], timeline: Timeline, rng: random.Random
) -> None:
    approver, author = people[plan.approver], people[plan.author]
    with timeline.at(plan.days_ago + 2, 16):
        campaign_approve(campaign=campaign, actor=approver, rng=rng)
    targets = list(Target.objects.filter(campaign=campaign).order_by("send_at", "pk"))
    for target in targets:
        _sent(target)
    for target in targets:
        _behave(target, rng)
    with timeline.at(max(plan.days_ago - 12, 1), 17):
        campaign_close(campaign=campaign, actor=author)


def _sent(target: Target) -> None:
    """No relay offline: recorded as sent at the planned time (what the sender writes)."""
    Target.objects.filter(pk=target.pk).update(state=TargetState.SENT, sent_at=target.send_at)
    target.state, target.sent_at = TargetState.SENT, target.send_at


def _behave(target: Target, rng: random.Random) -> None:
    """What one recipient did, minutes after the message arrived: nothing, opened it,
    clicked, gave a password, reported it (a mail gateway sometimes opened the link first)."""
    import time_machine  # noqa: PLC0415

    steps: list[tuple[float, str]] = []
    if rng.random() < GATEWAY:
        steps.append((0.05, "scanner"))
    minutes = rng.uniform(5, 240)
    for step, share in FUNNEL:
        if rng.random() >= share:
            break
        steps.append((minutes, step))
        minutes += rng.uniform(1, 20)
    if rng.random() < (REPORTED_AFTER_CLICK if len(steps) > 1 else REPORTED):
        steps.append((rng.uniform(10, 300), "report"))
    for at, step in sorted(steps):
        with time_machine.travel(target.send_at + dt.timedelta(minutes=at), tick=True):
            STEPS[step](target)


# Of those who reached the previous step, the share who took this one.
FUNNEL = (("open", 0.7), ("click", 0.45), ("submit", 0.4))
GATEWAY, REPORTED, REPORTED_AFTER_CLICK = 0.15, 0.35, 0.15


def _person() -> Hit:
    return Hit(method="GET", ip="10.92.60.140", user_agent=BROWSER)


def _click(target: Target) -> None:
    record(target, InteractionKind.CLICK, _person())
    confirm_human(target, _person(), reason=InteractionKind.CLICK)
    record(target, InteractionKind.LEARN, _person())


def _forwarded(target: Target) -> None:
    """The recipient forwards the message to the report mailbox, as read by its poller."""
    mailbox = ReportMailbox.objects.for_establishment(target.establishment).get()
    message = EmailMessage()
    message["From"] = f"{target.pseudonym.lower()}@{mailbox.username.partition('@')[2]}"
    message["To"] = mailbox.username
    message["Subject"] = "TR: message suspect"
    message["Message-ID"] = f"<{target.public_id}@demo.rempart.test>"
    message.set_content(
        "Bonjour, ce message me semble suspect.\n\n---- Message transféré ----\n"
        f"Cliquez ici : https://rempart.demo.test/p/{target.token}/\n"
    )
    report_ingest(mailbox=mailbox, raw=message.as_bytes(), received_at=timezone.now())


def suspicious_reports(*, places: dict[str, Any], timeline: Timeline) -> None:
    """Real phishing that staff forwarded to Boulogne's report mailbox, waiting for triage."""
    mailbox = ReportMailbox.objects.for_establishment(places["ch-boulogne"]).get()
    for days_ago, sender, subject, link in SUSPICIOUS:
        with timeline.at(days_ago, 9.5):
            message = EmailMessage()
            message["From"] = "accueil.urgences@ch-boulogne.demo.test"
            message["To"] = mailbox.username
            message["Subject"] = f"TR: {subject}"
            message.set_content(
                f"---- Message transféré ----\nDe : {sender}\nObjet : {subject}\n\n"
                f"Votre boîte est pleine, validez votre compte : {link}\n"
            )
            report_ingest(mailbox=mailbox, raw=message.as_bytes(), received_at=timezone.now())


SUSPICIOUS = (
    (
        6,
        "support@microsoft-365-securite.example",
        "Votre boîte aux lettres est pleine",
        "https://m365-quota.example/login",
    ),
    (
        2,
        "facturation@ameli-remboursement.example",
        "Remboursement en attente",
        "https://ameli-rembourse.example/dossier",
    ),
)


def _submit(target: Target) -> None:
    hit = Hit(method="POST", ip="10.92.60.140", user_agent=BROWSER)
    record_submission(target, hit, field_names=["identifiant", "mot_de_passe"])


STEPS: dict[str, Callable[[Target], object]] = {
    "scanner": lambda t: record(
        t, InteractionKind.CLICK, Hit(method="GET", ip="40.94.88.12", user_agent=MAIL_SCANNER)
    ),
    "open": lambda t: record(t, InteractionKind.OPEN, _person()),
    "click": _click,
    "submit": _submit,
    "report": _forwarded,
}
