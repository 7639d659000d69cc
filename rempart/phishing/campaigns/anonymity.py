"""Anonymous results mode: the person ↔ target link is cut as soon as a message is sent.

`Target.recipient` is the only link between a person and a result. The sender needs it to
address and render the message; nothing else does (the landing page renders empty names
without it, reports are matched by token, training is assigned by target). So:

- each message: the link is cut in the same transaction that claims the target and records
  the relay's acceptance (`cut_sent_link`, called by the sender). A worker killed before the
  commit rolls the claim and the cut back together: the target stays queued, with its link,
  and is sent later. Once committed, the message is sent and the link is gone;
- each sending round and each close/cancel: every target that will not be sent (failed,
  cancelled) loses its link too, and once no message is queued any more the campaign is
  marked purged and audited (`anonymous_cut`). This sweep also catches anything the
  per-message cut could have missed.

A message refused for now (4xx) keeps its link until it is sent or given up. The retention
purge then has nothing left to cut (`purged_at` is set, so `campaigns_purge_expired` skips
the campaign).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from rempart.audit.services import audit_record
from rempart.phishing.choices import ResultsMode, TargetState
from rempart.phishing.models import Campaign, Target


def is_anonymous(campaign: Campaign) -> bool:
    return campaign.mode == ResultsMode.ANONYMOUS


def cut_sent_link(campaign: Campaign, target_id: int) -> None:
    """Inside the sender's transaction, once the relay accepted the message."""
    if is_anonymous(campaign):
        Target.objects.filter(pk=target_id).update(recipient=None)


def anonymous_cut(campaign: Campaign) -> int:
    """Cut the link of every target that will not be sent any more; mark the campaign
    purged once none is queued. Returns the number of links cut. Idempotent."""
    if not is_anonymous(campaign):
        return 0
    with transaction.atomic():
        cut = (
            Target.objects.filter(campaign=campaign, recipient__isnull=False)
            .exclude(state=TargetState.QUEUED)
            .update(recipient=None)
        )
        queued = Target.objects.filter(campaign=campaign, state=TargetState.QUEUED).exists()
        if queued or campaign.purged_at is not None:
            return cut
        now = timezone.now()
        marked = Campaign.objects.filter(pk=campaign.pk, purged_at__isnull=True).update(
            purged_at=now, updated_at=now
        )
        campaign.purged_at = now
        if marked:
            audit_record(
                actor=None,
                actor_label="anonymous mode",
                verb="phishing.campaign.purged",
                target=campaign,
                establishment=campaign.establishment,
                changes={"links_cut": cut, "anonymous": True},
            )
    return cut
