"""Writes of campaigns: draft, submission, approval by a second person, launch, cancel,
close, purge of the person ↔ result link, and the DPO's approval of identified results.

Which action a campaign allows is decided by the small `can_*` predicates below: the
services check them before acting and the detail view shows its buttons from them (one
rule, two users).

Launching creates one Target per recipient in bulk (token, pseudonym, variant, send time):
the outbox and the pseudonymous results are the same rows, so a 10,000-recipient launch is
a handful of INSERTs of 1,000 rows, not GoPhish's three queries per recipient.
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.phishing import selectors
from rempart.phishing.campaigns.anonymity import anonymous_cut
from rempart.phishing.campaigns.scheduling import campaign_window, send_times
from rempart.phishing.choices import CampaignStatus, ResultsMode, TargetState
from rempart.phishing.models import (
    Campaign,
    CampaignVariant,
    EmailTemplate,
    Recipient,
    Target,
)
from rempart.phishing.settings.services import verified_domains
from rempart.tenancy import access
from rempart.tenancy.choices import MemberRole
from rempart.webhooks import events as webhook_events
from rempart.webhooks import services as webhooks

LABELS = "ABCDEFGH"
EDITABLE = (CampaignStatus.DRAFT,)
CANCELLABLE = (
    CampaignStatus.DRAFT,
    CampaignStatus.PENDING,
    CampaignStatus.SCHEDULED,
    CampaignStatus.SENDING,
)
CLOSABLE = (CampaignStatus.SCHEDULED, CampaignStatus.SENDING, CampaignStatus.RUNNING)
# The DPO decides on identified results before the campaign is approved and launched.
IDENTIFIED_DECIDABLE = (CampaignStatus.DRAFT, CampaignStatus.PENDING)
# Who may read identified results: the establishment's own referents and DPO (membership
# roles), never operator staff or viewers (see docs/phishing.md, "Results mode").
IDENTIFIED_READERS = (MemberRole.REFERENT, MemberRole.DPO)


class CampaignError(ApplicationError):
    """A campaign cannot move to the requested state (the message says why)."""


@dataclass(frozen=True)
class Person:
    """What a launch copies of a recipient (no model instance: 10,000 of them are cheap)."""

    pk: int
    email: str
    department: str
    job_family: str


@dataclass(frozen=True)
class Audience:
    recipients: list[Person]
    outside_domains: int


def can_edit(campaign: Campaign) -> bool:
    return campaign.status in EDITABLE


def can_submit(campaign: Campaign) -> bool:
    return campaign.status == CampaignStatus.DRAFT


def can_return(campaign: Campaign) -> bool:
    return campaign.status == CampaignStatus.PENDING


def can_approve(campaign: Campaign) -> bool:
    return campaign.status == CampaignStatus.PENDING


def is_second_person(campaign: Campaign, user: Any) -> bool:
    """Whether `user` neither prepared nor submitted the campaign (four-eyes approval)."""
    return user.pk not in (campaign.created_by_id, campaign.submitted_by_id)


def can_cancel(campaign: Campaign) -> bool:
    return campaign.status in CANCELLABLE


def can_close(campaign: Campaign) -> bool:
    return campaign.status in CLOSABLE


def is_identified(campaign: Campaign) -> bool:
    return campaign.mode == ResultsMode.IDENTIFIED


def can_identified_approve(campaign: Campaign) -> bool:
    """An identified campaign, not yet launched, without the DPO's approval."""
    return (
        is_identified(campaign)
        and campaign.status in IDENTIFIED_DECIDABLE
        and campaign.identified_approved_by_id is None
    )


def can_identified_withdraw(campaign: Campaign) -> bool:
    """An identified campaign, not yet launched, with the DPO's approval."""
    return (
        is_identified(campaign)
        and campaign.status in IDENTIFIED_DECIDABLE
        and campaign.identified_approved_by_id is not None
    )


def is_establishment_dpo(user: Any, establishment: Any) -> bool:
    """Whether `user` holds the DPO membership role in `establishment` (operator staff never
    do: the decision belongs to the establishment, which is the data controller)."""
    return access.member_role(user, establishment) == MemberRole.DPO


def may_read_identified(user: Any, establishment: Any) -> bool:
    """Whether `user` may read identified results of `establishment`'s campaigns."""
    return access.member_role(user, establishment) in IDENTIFIED_READERS


def identified_results_available(campaign: Campaign) -> bool:
    """Identified, approved by the DPO, launched (targets exist) and not purged yet."""
    return (
        is_identified(campaign)
        and campaign.identified_approved_by_id is not None
        and campaign.approved_at is not None
        and campaign.purged_at is None
    )


def campaign_save(
    *,
    campaign: Campaign,
    actor: Any,
    groups: list[Any],
    templates: list[EmailTemplate],
    ip_address: str | None = None,
) -> Campaign:
    """Create or edit a draft with its recipient groups and template variants. Changing
    the mode, the groups or the retention date clears the DPO's approval of identified
    results: the DPO approved those, not the new ones."""
    if campaign.pk and not can_edit(campaign):
        raise CampaignError(_("Only a draft can be edited."))
    if not templates:
        raise CampaignError(_("Choose at least one e-mail template."))
    if len(templates) > len(LABELS):
        raise CampaignError(_("A campaign has at most %(n)d variants.") % {"n": len(LABELS)})
    campaign_window(campaign)
    _check_dates(campaign)
    with transaction.atomic():
        creating = campaign.pk is None
        if creating:
            campaign.created_by = actor
        cleared = not creating and _clear_stale_identified_approval(campaign, groups)
        campaign.save()
        campaign.groups.set(groups)
        campaign.variants.all().delete()
        for label, template in zip(LABELS, templates, strict=False):
            CampaignVariant.objects.create(
                establishment=campaign.establishment,
                campaign=campaign,
                template=template,
                label=label,
            )
        audit_record(
            actor=actor,
            verb="phishing.campaign.created" if creating else "phishing.campaign.updated",
            target=campaign,
            establishment=campaign.establishment,
            changes={
                "groups": len(groups),
                "variants": len(templates),
                **({"identified_approval_cleared": True} if cleared else {}),
            },
            ip_address=ip_address,
        )
    return campaign


def _clear_stale_identified_approval(campaign: Campaign, groups: list[Any]) -> bool:
    """Drop the DPO's approval when what it covered changed; True when dropped."""
    stored = Campaign.objects.filter(pk=campaign.pk).values(
        "mode", "retention_until", "identified_approved_by"
    )[0]
    if stored["identified_approved_by"] is None:
        return False
    old_groups = set(campaign.groups.values_list("pk", flat=True))
    unchanged = (
        campaign.mode == stored["mode"] == ResultsMode.IDENTIFIED
        and campaign.retention_until == stored["retention_until"]
        and {group.pk for group in groups} == old_groups
    )
    if unchanged:
        return False
    _set_identified_approval(campaign, None, "")
    return True


def _set_identified_approval(campaign: Campaign, dpo: Any, justification: str) -> None:
    campaign.identified_approved_by = dpo
    campaign.identified_approved_at = timezone.now() if dpo is not None else None
    campaign.identified_justification = justification


def _check_dates(campaign: Campaign) -> None:
    if campaign.launch_at and campaign.send_by and campaign.send_by <= campaign.launch_at:
        raise CampaignError(_("The send-by date must be after the launch date."))
    start = (campaign.launch_at or timezone.now()).date()
    if campaign.retention_until and campaign.retention_until <= start:
        raise CampaignError(_("The retention date must be after the launch."))


def audience(campaign: Campaign) -> Audience:
    """Distinct recipients of the campaign's groups, in its verified domains only."""
    domains = verified_domains(establishment=campaign.establishment)
    seen: dict[str, Person] = {}
    outside = 0
    rows = (
        Recipient.objects.for_establishment(campaign.establishment)
        .filter(group__in=campaign.groups.all())
        .order_by("pk")
        .values_list("pk", "email", "department", "job_family")
    )
    for pk, address, department, job_family in rows.iterator(chunk_size=5000):
        email = address.lower()
        if email in seen:
            continue
        if email.rpartition("@")[2] not in domains:
            outside += 1
            continue
        seen[email] = Person(pk, email, department, job_family)
    return Audience(list(seen.values()), outside)


def campaign_submit(*, campaign: Campaign, actor: Any, ip_address: str | None = None) -> None:
    """Draft → awaiting approval, after the checks a second person will rely on."""
    _expect(campaign, can_submit(campaign), CampaignStatus.DRAFT)
    _check_ready(campaign)
    campaign.status = CampaignStatus.PENDING
    campaign.submitted_by = actor
    with transaction.atomic():
        campaign.save(update_fields=["status", "submitted_by", "updated_at"])
        audit_record(
            actor=actor,
            verb="phishing.campaign.submitted",
            target=campaign,
            establishment=campaign.establishment,
            ip_address=ip_address,
        )


def _check_ready(campaign: Campaign) -> Audience:
    if campaign.sending_profile is None:
        raise CampaignError(_("Choose a sending profile."))
    if not campaign.variants.exists():
        raise CampaignError(_("Choose at least one e-mail template."))
    if is_identified(campaign) and campaign.identified_approved_by_id is None:
        raise CampaignError(_("Identified results need the DPO's approval first."))
    found = audience(campaign)
    if not found.recipients:
        raise CampaignError(
            _("No recipient of the chosen groups is in a verified domain of the establishment.")
        )
    return found


def campaign_return_to_draft(
    *, campaign: Campaign, actor: Any, ip_address: str | None = None
) -> None:
    """Awaiting approval → draft, to change it."""
    _expect(campaign, can_return(campaign), CampaignStatus.PENDING)
    campaign.status = CampaignStatus.DRAFT
    with transaction.atomic():
        campaign.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            verb="phishing.campaign.returned",
            target=campaign,
            establishment=campaign.establishment,
            ip_address=ip_address,
        )


def campaign_approve(
    *, campaign: Campaign, actor: Any, ip_address: str | None = None, rng: Any = None
) -> int:
    """A second person approves: the content is frozen, the targets are created and the
    campaign is scheduled (sending starts at `launch_at`, or now). Returns the target count."""
    _expect(campaign, can_approve(campaign), CampaignStatus.PENDING)
    if not is_second_person(campaign, actor):
        raise PermissionDeniedError(
            _("A campaign is approved by a second person, not by whoever prepared it.")
        )
    found = _check_ready(campaign)
    now = timezone.now()
    with transaction.atomic():
        _freeze_variants(campaign)
        count = _create_targets(campaign, found.recipients, rng or random.SystemRandom())
        campaign.status = CampaignStatus.SCHEDULED
        campaign.approved_by, campaign.approved_at = actor, now
        campaign.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
        audit_record(
            actor=actor,
            verb="phishing.campaign.approved",
            target=campaign,
            establishment=campaign.establishment,
            changes={"targets": count, "outside_verified_domains": found.outside_domains},
            ip_address=ip_address,
        )
        webhooks.emit(
            campaign.establishment_id,
            webhook_events.CAMPAIGN_LAUNCHED,
            lambda: webhook_events.campaign_payload(campaign, targets=count),
        )
        transaction.on_commit(lambda: _dispatch_soon(campaign.pk))
    return count


def _dispatch_soon(campaign_id: int) -> None:
    from rempart.phishing.tasks import dispatch_campaign  # noqa: PLC0415 (tasks import services)

    dispatch_campaign.delay(campaign_id)


def _freeze_variants(campaign: Campaign) -> None:
    from rempart.phishing.settings.library import difficulty  # noqa: PLC0415

    for variant in campaign.variants.select_related("template"):
        template = variant.template
        variant.from_name = template.from_name
        variant.subject, variant.html, variant.text = template.subject, template.html, template.text
        variant.cues, variant.lesson = list(template.cues), template.lesson
        variant.difficulty = template.difficulty or difficulty(
            len(template.cues), template.premise_alignment
        )
        variant.save()


def _create_targets(campaign: Campaign, recipients: list[Person], rng: Any) -> int:
    profile = campaign.sending_profile
    if profile is None:  # checked by _check_ready
        raise CampaignError(_("Choose a sending profile."))
    people = list(recipients)
    rng.shuffle(people)
    variants = [v.pk for v in campaign.variants.all() for _ in range(max(v.weight, 1))]
    times = send_times(
        len(people),
        window=campaign_window(campaign),
        start=max(campaign.launch_at or timezone.now(), timezone.now()),
        end=campaign.send_by,
        rate_per_second=min(profile.rate_per_second, profile.rate_per_hour / 3600),
        jitter_seconds=campaign.jitter_seconds,
        rng=rng,
    )
    rows = (
        (
            variants[index % len(variants)],
            person.pk,
            secrets.token_urlsafe(24),
            f"P{index + 1:05d}",
            person.department,
            person.job_family,
            times[index],
        )
        for index, person in enumerate(people)
    )
    return targets_insert(campaign, rows)


TARGET_COLUMNS = (
    "public_id",
    "created_at",
    "updated_at",
    "establishment_id",
    "campaign_id",
    "variant_id",
    "recipient_id",
    "token",
    "pseudonym",
    "department",
    "job_family",
    "state",
    "send_at",
    "attempts",
    "last_error",
)


def targets_insert(campaign: Campaign, rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert targets with one prepared statement run over all rows (`executemany`):
    Django's `bulk_create` spends most of a 10,000-row launch converting fields in Python
    and, on SQLite, splits it into statements of 45 rows. Each row is (variant id,
    recipient id, token, pseudonym, department, job family, send time)."""
    ops = connection.ops
    uuid_field = Target._meta.get_field("public_id")
    now = ops.adapt_datetimefield_value(timezone.now())
    table = ops.quote_name(Target._meta.db_table)
    columns = ", ".join(ops.quote_name(column) for column in TARGET_COLUMNS)
    marks = ", ".join(["%s"] * len(TARGET_COLUMNS))
    values = [
        (
            uuid_field.get_db_prep_value(uuid.uuid4(), connection),
            now,
            now,
            campaign.establishment_id,
            campaign.pk,
            variant,
            recipient,
            token,
            pseudonym,
            department,
            job_family,
            TargetState.QUEUED.value,
            ops.adapt_datetimefield_value(send_at),
            0,
            "",
        )
        for variant, recipient, token, pseudonym, department, job_family, send_at in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)  # noqa: S608
    return len(values)


def campaign_cancel(*, campaign: Campaign, actor: Any, ip_address: str | None = None) -> None:
    """Stop a campaign before or during sending: nothing more is sent."""
    if not can_cancel(campaign):
        raise CampaignError(_("This campaign can no longer be cancelled."))
    _stop(campaign, CampaignStatus.CANCELLED, actor, "phishing.campaign.cancelled", ip_address)


def campaign_close(*, campaign: Campaign, actor: Any, ip_address: str | None = None) -> None:
    """End a campaign: messages not sent yet are cancelled; reports still count."""
    if not can_close(campaign):
        raise CampaignError(_("Only a launched campaign can be closed."))
    _stop(campaign, CampaignStatus.CLOSED, actor, "phishing.campaign.closed", ip_address)


def _stop(campaign: Campaign, status: str, actor: Any, verb: str, ip_address: str | None) -> None:
    with transaction.atomic():
        cancelled = campaign.targets.filter(state=TargetState.QUEUED).update(
            state=TargetState.CANCELLED
        )
        anonymous_cut(campaign)
        campaign.status = status
        campaign.closed_at = timezone.now()
        campaign.save(update_fields=["status", "closed_at", "updated_at"])
        audit_record(
            actor=actor,
            verb=verb,
            target=campaign,
            establishment=campaign.establishment,
            changes={"unsent_cancelled": cancelled},
            ip_address=ip_address,
        )
        webhooks.emit(
            campaign.establishment_id,
            webhook_events.CAMPAIGN_CLOSED
            if status == CampaignStatus.CLOSED
            else webhook_events.CAMPAIGN_CANCELLED,
            lambda: webhook_events.campaign_payload(campaign, unsent_cancelled=cancelled),
        )


def campaign_identified_approve(
    *, campaign: Campaign, actor: Any, justification: str, ip_address: str | None = None
) -> None:
    """The establishment's DPO approves identified results, with the reason written down.

    Only the DPO role matters: an author who is also the establishment's DPO may approve
    (the launch still needs a second person, `campaign_approve`); a referent or operator
    staff may not."""
    if not is_establishment_dpo(actor, campaign.establishment):
        raise PermissionDeniedError(
            _("Only the establishment's DPO can approve identified results.")
        )
    if not can_identified_approve(campaign):
        raise CampaignError(
            _(
                "Identified results can only be approved on an identified campaign that is "
                "not launched and not approved yet."
            )
        )
    justification = justification.strip()
    if not justification:
        raise CampaignError(_("Give the reason why results must be identified."))
    with transaction.atomic():
        _set_identified_approval(campaign, actor, justification)
        campaign.save(update_fields=[*IDENTIFIED_APPROVAL_FIELDS, "updated_at"])
        audit_record(
            actor=actor,
            verb="phishing.campaign.identified_approved",
            target=campaign,
            establishment=campaign.establishment,
            changes={"justification": justification},
            ip_address=ip_address,
        )


def campaign_identified_withdraw(
    *, campaign: Campaign, actor: Any, ip_address: str | None = None
) -> None:
    """The DPO withdraws the approval before the launch. A campaign awaiting approval goes
    back to draft: the second person must not approve what the DPO no longer covers."""
    if not is_establishment_dpo(actor, campaign.establishment):
        raise PermissionDeniedError(
            _("Only the establishment's DPO can withdraw the approval of identified results.")
        )
    if not can_identified_withdraw(campaign):
        raise CampaignError(
            _("The approval can only be withdrawn before the campaign is approved and launched.")
        )
    returned = campaign.status == CampaignStatus.PENDING
    with transaction.atomic():
        _set_identified_approval(campaign, None, "")
        campaign.status = CampaignStatus.DRAFT
        campaign.save(update_fields=[*IDENTIFIED_APPROVAL_FIELDS, "status", "updated_at"])
        audit_record(
            actor=actor,
            verb="phishing.campaign.identified_withdrawn",
            target=campaign,
            establishment=campaign.establishment,
            changes={"returned_to_draft": returned},
            ip_address=ip_address,
        )


IDENTIFIED_APPROVAL_FIELDS = (
    "identified_approved_by",
    "identified_approved_at",
    "identified_justification",
)


def campaign_identified_results(
    *, campaign: Campaign, actor: Any, export: bool = False, ip_address: str | None = None
) -> QuerySet[Target]:
    """The targets with their person, for the establishment's referents and DPO. Each
    reading (screen or CSV) is audited: who, when, which campaign."""
    if not may_read_identified(actor, campaign.establishment):
        raise PermissionDeniedError(
            _("Only the establishment's referents and DPO can see identified results.")
        )
    if not identified_results_available(campaign):
        raise CampaignError(_("This campaign has no identified results to show."))
    targets = selectors.campaign_targets(campaign=campaign).select_related("recipient")
    audit_record(
        actor=actor,
        verb="phishing.campaign.identified_exported"
        if export
        else "phishing.campaign.identified_viewed",
        target=campaign,
        establishment=campaign.establishment,
        changes={"targets": targets.count()},
        ip_address=ip_address,
    )
    return targets


def campaign_purge(*, campaign: Campaign, actor: Any = None) -> int:
    """Cut the person ↔ result link (at the retention date): results stay pseudonymous."""
    with transaction.atomic():
        cut = campaign.targets.filter(recipient__isnull=False).update(recipient=None)
        campaign.purged_at = timezone.now()
        campaign.save(update_fields=["purged_at", "updated_at"])
        audit_record(
            actor=actor,
            actor_label=None if actor else "retention",
            verb="phishing.campaign.purged",
            target=campaign,
            establishment=campaign.establishment,
            changes={"links_cut": cut},
        )
    return cut


def campaigns_purge_expired() -> int:
    """Purge every campaign whose retention date has passed (periodic task)."""
    due = Campaign.objects.filter(
        purged_at__isnull=True, retention_until__lt=timezone.localdate()
    ).exclude(status__in=[CampaignStatus.DRAFT, CampaignStatus.PENDING])
    purged = 0
    for campaign in due:
        campaign_purge(campaign=campaign)
        purged += 1
    return purged


def _expect(campaign: Campaign, allowed: bool, status: str) -> None:
    """Refuse with the state the action needs (`allowed` comes from a `can_*` predicate)."""
    if not allowed:
        raise CampaignError(
            _("This action needs a campaign in the state “%(expected)s” (it is “%(actual)s”).")
            % {
                "expected": CampaignStatus(status).label,
                "actual": campaign.get_status_display(),
            }
        )
