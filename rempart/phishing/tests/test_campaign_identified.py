"""Identified results: approved by the establishment's DPO only (the DPO role is what
matters, even for the campaign's author), withdrawn before the launch, cleared by a change
of mode, groups or retention; names shown and exported only for an identified, approved and
launched campaign, to the establishment's referents and DPO, each reading audited; nothing
identifying in pseudonymous mode or after the purge."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from conftest import _member, give_totp
from rempart.audit.models import AuditEntry
from rempart.core.errors import PermissionDeniedError
from rempart.phishing.campaigns import services
from rempart.phishing.campaigns.services import (
    CampaignError,
    campaign_approve,
    campaign_identified_approve,
    campaign_identified_withdraw,
    campaign_purge,
    campaign_save,
    campaign_submit,
)
from rempart.phishing.choices import CampaignStatus, ResultsMode
from rempart.phishing.models import Campaign
from rempart.phishing.tests import engine
from rempart.phishing.tests.factories import RecipientGroupFactory

pytestmark = pytest.mark.django_db

CANARY_NAME = "Canariprénom"
CANARY_LAST = "Canarinom"
REASON = "Formation ciblée des agents des urgences après l'incident de mars."


@pytest.fixture
def dpo(establishment_a: Any) -> Any:
    """The DPO of establishment A (membership role DPO)."""
    return _member(establishment_a, "dpo", "ines.dpo@ch-alpha.example.org")


@pytest.fixture
def group(establishment_a: Any) -> Any:
    group = engine.recipients(establishment_a, 6)
    group.recipients.update(first_name=CANARY_NAME, last_name=CANARY_LAST)
    return group


def _draft(establishment: Any, author: Any, group: Any, mode: str = ResultsMode.IDENTIFIED) -> Any:
    return engine.campaign(establishment, author, port=1, groups=[group], mode=mode)


def _launched(campaign: Any, author: Any, approver: Any) -> Any:
    """Submitted and approved by a second person: targets exist (nothing is sent: the
    on-commit dispatch does not run inside the test transaction)."""
    campaign_submit(campaign=campaign, actor=author)
    campaign_approve(campaign=campaign, actor=approver)
    campaign.refresh_from_db()
    return campaign


def _verbs(campaign: Any) -> list[str]:
    entries = AuditEntry.objects.filter(object_id=str(campaign.public_id)).order_by("seq")
    return list(entries.values_list("verb", flat=True))


@pytest.fixture
def clients() -> Any:
    made: dict[int, Client] = {}

    def client_for(user: Any) -> Client:
        if user.pk not in made:
            if not Authenticator.objects.filter(user=user).exists():
                give_totp(user)
            made[user.pk] = Client(HTTP_ACCEPT_LANGUAGE="en")  # the English source strings
            made[user.pk].force_login(user)
        return made[user.pk]

    return client_for


def _url(name: str, campaign: Any, *extra: str) -> str:
    return reverse(
        f"phishing:{name}", args=[campaign.establishment.slug, campaign.public_id, *extra]
    )


def _csv(client: Client, campaign: Any) -> str:
    response = client.get(_url("campaign_export", campaign))
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


# --- approval by the DPO -------------------------------------------------------------------


def test_the_dpo_approval_lets_the_campaign_be_submitted(
    establishment_a: Any, alice: Any, dpo: Any, group: Any
) -> None:
    # given an identified draft
    campaign = _draft(establishment_a, alice, group)
    with pytest.raises(CampaignError):
        campaign_submit(campaign=campaign, actor=alice)
    # when the DPO approves it with a reason
    campaign_identified_approve(campaign=campaign, actor=dpo, justification=f"  {REASON} ")
    # then who, when and why are recorded and audited, and the submission goes through
    campaign.refresh_from_db()
    assert campaign.identified_approved_by == dpo
    assert campaign.identified_approved_at is not None
    assert campaign.identified_justification == REASON
    entry = AuditEntry.objects.get(verb="phishing.campaign.identified_approved")
    assert entry.actor_id == dpo.pk
    assert entry.object_id == str(campaign.public_id)
    assert entry.changes == {"justification": REASON}
    campaign_submit(campaign=campaign, actor=alice)
    assert campaign.status == CampaignStatus.PENDING


def test_a_reason_is_required(establishment_a: Any, alice: Any, dpo: Any, group: Any) -> None:
    campaign = _draft(establishment_a, alice, group)
    with pytest.raises(CampaignError):
        campaign_identified_approve(campaign=campaign, actor=dpo, justification="   ")
    campaign.refresh_from_db()
    assert campaign.identified_approved_by is None
    assert "phishing.campaign.identified_approved" not in _verbs(campaign)


def test_a_pseudonymous_campaign_needs_no_approval_and_gets_none(
    establishment_a: Any, alice: Any, dpo: Any, group: Any
) -> None:
    campaign = _draft(establishment_a, alice, group, mode=ResultsMode.PSEUDONYMOUS)
    with pytest.raises(CampaignError):
        campaign_identified_approve(campaign=campaign, actor=dpo, justification=REASON)
    campaign_submit(campaign=campaign, actor=alice)
    assert campaign.status == CampaignStatus.PENDING


def test_the_author_who_is_the_dpo_may_approve_but_not_launch(
    establishment_a: Any, dpo: Any, operator_admin: Any, group: Any
) -> None:
    # Decision: the DPO role is what matters for identified results; four eyes are
    # still required for the launch (campaign_approve refuses the author).
    campaign = _draft(establishment_a, dpo, group)
    campaign_identified_approve(campaign=campaign, actor=dpo, justification=REASON)
    campaign_submit(campaign=campaign, actor=dpo)
    with pytest.raises(PermissionDeniedError):
        campaign_approve(campaign=campaign, actor=dpo)
    campaign_approve(campaign=campaign, actor=operator_admin)
    assert campaign.status == CampaignStatus.SCHEDULED


def test_a_dpo_of_another_establishment_cannot_approve(
    establishment_a: Any, establishment_b: Any, alice: Any, group: Any
) -> None:
    other_dpo = _member(establishment_b, "dpo", "dpo@ehpad-bravo.example.org")
    campaign = _draft(establishment_a, alice, group)
    with pytest.raises(PermissionDeniedError):
        campaign_identified_approve(campaign=campaign, actor=other_dpo, justification=REASON)


@pytest.mark.parametrize("persona", ["alice", "operator_admin"])
def test_only_the_dpo_can_approve_in_the_ui(
    persona: str, establishment_a: Any, alice: Any, operator_admin: Any, group: Any, clients: Any
) -> None:
    # given a referent (the author) and operator staff, neither being the DPO
    campaign = _draft(establishment_a, alice, group)
    user = {"alice": alice, "operator_admin": operator_admin}[persona]
    # when they post an approval
    response = clients(user).post(
        _url("campaign_identified_approve", campaign), {"justification": REASON}
    )
    # then 403 and nothing changed
    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.identified_approved_by is None
    assert "phishing.campaign.identified_approved" not in _verbs(campaign)


def test_the_dpo_approves_and_withdraws_in_the_ui(
    establishment_a: Any, alice: Any, dpo: Any, group: Any, clients: Any
) -> None:
    campaign = _draft(establishment_a, alice, group)
    detail = _url("campaign_detail", campaign)
    # only the DPO is offered the action
    assert "Approve identified results (DPO)" not in clients(alice).get(detail).content.decode()
    page = clients(dpo).get(detail).content.decode()
    assert "Approve identified results (DPO)" in page
    assert 'name="justification"' in page
    # an empty reason is refused with a message, not recorded
    clients(dpo).post(_url("campaign_identified_approve", campaign), {"justification": ""})
    campaign.refresh_from_db()
    assert campaign.identified_approved_by is None
    # with a reason
    response = clients(dpo).post(
        _url("campaign_identified_approve", campaign), {"justification": REASON}
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.identified_approved_by == dpo
    page = clients(dpo).get(detail).content.decode()
    assert "Withdraw the approval" in page
    assert REASON.replace("'", "&#x27;") in page
    # withdrawn
    clients(dpo).post(_url("campaign_action", campaign, "withdraw-identified"))
    campaign.refresh_from_db()
    assert campaign.identified_approved_by is None
    assert campaign.identified_justification == ""
    assert _verbs(campaign)[-2:] == [
        "phishing.campaign.identified_approved",
        "phishing.campaign.identified_withdrawn",
    ]


def test_withdrawing_while_pending_returns_to_draft_and_not_after_launch(
    establishment_a: Any, alice: Any, dpo: Any, operator_admin: Any, group: Any
) -> None:
    campaign = _draft(establishment_a, alice, group)
    campaign_identified_approve(campaign=campaign, actor=dpo, justification=REASON)
    campaign_submit(campaign=campaign, actor=alice)
    # withdrawn while awaiting approval: back to draft, cannot be approved as it was
    campaign_identified_withdraw(campaign=campaign, actor=dpo)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.identified_approved_by is None
    # approved again and launched: the approval can no longer be withdrawn
    campaign_identified_approve(campaign=campaign, actor=dpo, justification=REASON)
    _launched(campaign, alice, operator_admin)
    with pytest.raises(CampaignError):
        campaign_identified_withdraw(campaign=campaign, actor=dpo)
    with pytest.raises(PermissionDeniedError):
        campaign_identified_withdraw(campaign=campaign, actor=alice)
    campaign.refresh_from_db()
    assert campaign.identified_approved_by == dpo


def _resave(campaign: Any, groups: list[Any], **fields: Any) -> Campaign:
    fresh = Campaign.objects.get(pk=campaign.pk)
    for name, value in fields.items():
        setattr(fresh, name, value)
    templates = [variant.template for variant in fresh.variants.all()]
    return campaign_save(campaign=fresh, actor=fresh.created_by, groups=groups, templates=templates)


def test_changing_mode_groups_or_retention_clears_the_approval(
    establishment_a: Any, alice: Any, dpo: Any, group: Any
) -> None:
    campaign = _draft(establishment_a, alice, group)
    other = RecipientGroupFactory(establishment=establishment_a)
    first = campaign.retention_until
    later = first.replace(year=first.year + 1)
    changes: list[tuple[list[Any], dict[str, Any]]] = [
        ([group], {"mode": ResultsMode.PSEUDONYMOUS}),
        ([group, other], {}),
        ([group], {"retention_until": later}),
    ]
    for groups, fields in changes:
        # given an approved identified draft (restored to identified mode)
        campaign = _resave(campaign, [group], mode=ResultsMode.IDENTIFIED, retention_until=first)
        campaign_identified_approve(campaign=campaign, actor=dpo, justification=REASON)
        # when the author changes what the DPO approved
        saved = _resave(campaign, groups, **fields)
        # then the approval is gone, and the audit entry says so
        saved.refresh_from_db()
        assert saved.identified_approved_by is None, fields
        assert saved.identified_justification == ""
        entry = AuditEntry.objects.filter(verb="phishing.campaign.updated").latest("seq")
        assert entry.changes["identified_approval_cleared"] is True


def test_other_edits_keep_the_approval(
    establishment_a: Any, alice: Any, dpo: Any, group: Any
) -> None:
    campaign = _draft(establishment_a, alice, group)
    campaign_identified_approve(campaign=campaign, actor=dpo, justification=REASON)
    saved = _resave(campaign, [group], name="Campagne renommée", hour_start=9)
    saved.refresh_from_db()
    assert saved.identified_approved_by == dpo
    assert saved.identified_justification == REASON


def test_the_form_explains_the_mode_and_warns_about_the_approval(
    establishment_a: Any, alice: Any, dpo: Any, group: Any, clients: Any
) -> None:
    campaign = _draft(establishment_a, alice, group)
    campaign_identified_approve(campaign=campaign, actor=dpo, justification=REASON)
    page = clients(alice).get(_url("campaign_edit", campaign)).content.decode()
    assert "nobody can see who clicked" in page  # the mode's help text (English source)
    assert 'data-testid="identified-approval"' in page
    assert "clears this approval" in page


# --- identified results --------------------------------------------------------------------


def test_identified_results_show_people_to_referents_and_the_dpo_and_are_audited(
    establishment_a: Any, alice: Any, dpo: Any, operator_admin: Any, group: Any, clients: Any
) -> None:
    # given an identified campaign approved by the DPO and launched
    campaign = _draft(establishment_a, alice, group)
    campaign_identified_approve(campaign=campaign, actor=dpo, justification=REASON)
    _launched(campaign, alice, operator_admin)
    campaign.targets.filter(recipient__email="agent0@ch-alpha.example.fr").update(
        confirmed_at=campaign.approved_at
    )
    # when a referent opens the identified view
    assert (
        "Show identified results"
        in clients(alice).get(_url("campaign_detail", campaign)).content.decode()
    )
    response = clients(alice).get(_url("campaign_identified", campaign))
    # then every person is listed with service and stamps, and the viewing is audited
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count(f"{CANARY_NAME} {CANARY_LAST}") == 6
    assert "agent0@ch-alpha.example.fr" in page
    assert "Cardiologie" in page
    viewed = AuditEntry.objects.get(verb="phishing.campaign.identified_viewed")
    assert (viewed.actor_id, viewed.object_id) == (alice.pk, str(campaign.public_id))
    assert viewed.created_at is not None
    # the DPO too; each viewing is one more entry
    assert clients(dpo).get(_url("campaign_identified", campaign)).status_code == 200
    assert AuditEntry.objects.filter(verb="phishing.campaign.identified_viewed").count() == 2


@pytest.mark.parametrize("persona", ["bob", "operator_admin"])
def test_viewers_and_operator_staff_never_see_identities(
    persona: str,
    establishment_a: Any,
    alice: Any,
    bob: Any,
    dpo: Any,
    operator_admin: Any,
    group: Any,
    clients: Any,
) -> None:
    campaign = _draft(establishment_a, alice, group)
    campaign_identified_approve(campaign=campaign, actor=dpo, justification=REASON)
    _launched(campaign, alice, operator_admin)
    user = {"bob": bob, "operator_admin": operator_admin}[persona]
    assert clients(user).get(_url("campaign_identified", campaign)).status_code == 403
    detail = clients(user).get(_url("campaign_detail", campaign)).content.decode()
    assert "Show identified results" not in detail
    exported = _csv(clients(user), campaign)
    assert "@" not in exported
    assert CANARY_LAST not in exported
    assert not AuditEntry.objects.filter(verb__startswith="phishing.campaign.identified_v").exists()
    assert not AuditEntry.objects.filter(verb="phishing.campaign.identified_exported").exists()


def test_the_identified_export_has_the_person_columns_and_is_audited(
    establishment_a: Any, alice: Any, dpo: Any, operator_admin: Any, group: Any, clients: Any
) -> None:
    campaign = _draft(establishment_a, alice, group)
    campaign_identified_approve(campaign=campaign, actor=dpo, justification=REASON)
    _launched(campaign, alice, operator_admin)
    rows = _csv(clients(dpo), campaign).splitlines()
    assert rows[0].lstrip("\ufeff").endswith("Last name,First name,E-mail,Service")
    assert len(rows) == 7
    assert all(f"{CANARY_LAST},{CANARY_NAME},agent" in row for row in rows[1:])
    exported = AuditEntry.objects.get(verb="phishing.campaign.identified_exported")
    assert (exported.actor_id, exported.object_id) == (dpo.pk, str(campaign.public_id))
    assert exported.changes == {"targets": 6}


def test_the_identified_export_defuses_formulas_from_the_directory(
    establishment_a: Any, alice: Any, dpo: Any, operator_admin: Any, group: Any, clients: Any
) -> None:
    group.recipients.update(last_name='=HYPERLINK("http://x.example/","Voir")')
    campaign = _draft(establishment_a, alice, group)
    campaign_identified_approve(campaign=campaign, actor=dpo, justification=REASON)
    _launched(campaign, alice, operator_admin)
    rows = list(csv.reader(io.StringIO(_csv(clients(dpo), campaign).lstrip("\ufeff"))))
    last_names = {row[rows[0].index("Last name")] for row in rows[1:]}
    assert last_names == {'\'=HYPERLINK("http://x.example/","Voir")'}  # text, not a formula


def test_before_the_launch_the_identified_view_is_empty(
    establishment_a: Any, alice: Any, dpo: Any, group: Any, clients: Any
) -> None:
    campaign = _draft(establishment_a, alice, group)
    campaign_identified_approve(campaign=campaign, actor=dpo, justification=REASON)
    page = clients(alice).get(_url("campaign_identified", campaign)).content.decode()
    assert 'data-testid="unavailable"' in page
    assert "@ch-alpha.example.fr" not in page
    assert not AuditEntry.objects.filter(verb="phishing.campaign.identified_viewed").exists()


def test_a_pseudonymous_campaign_never_shows_who(
    establishment_a: Any, alice: Any, dpo: Any, operator_admin: Any, group: Any, clients: Any
) -> None:
    # given a launched pseudonymous campaign (even the DPO reads it)
    campaign = _draft(establishment_a, alice, group, mode=ResultsMode.PSEUDONYMOUS)
    _launched(campaign, alice, operator_admin)
    for user in (alice, dpo):
        exported = _csv(clients(user), campaign)
        identified = clients(user).get(_url("campaign_identified", campaign)).content.decode()
        detail = clients(user).get(_url("campaign_detail", campaign)).content.decode()
        # then no name, no address (canaries) in the export, the identified view or the page
        for body in (exported, identified, detail):
            assert CANARY_NAME not in body
            assert CANARY_LAST not in body
            assert "agent0@" not in body
        assert "E-mail" not in exported.splitlines()[0]
        assert exported.count("\n") == 7
    assert not AuditEntry.objects.filter(verb__startswith="phishing.campaign.identified").exists()


def test_after_the_purge_identities_are_gone(
    establishment_a: Any, alice: Any, dpo: Any, operator_admin: Any, group: Any, clients: Any
) -> None:
    campaign = _draft(establishment_a, alice, group)
    campaign_identified_approve(campaign=campaign, actor=dpo, justification=REASON)
    _launched(campaign, alice, operator_admin)
    campaign_purge(campaign=campaign)
    page = clients(alice).get(_url("campaign_identified", campaign)).content.decode()
    assert "was erased on" in page
    assert CANARY_LAST not in page
    exported = _csv(clients(alice), campaign)
    assert CANARY_LAST not in exported
    assert "@" not in exported
    assert (
        not AuditEntry.objects.filter(verb__startswith="phishing.campaign.identified_")
        .exclude(verb="phishing.campaign.identified_approved")
        .exists()
    )


# --- one rule for the buttons and the services ---------------------------------------------

EXPECTED = {
    # status: (submit, return, approve, cancel, close, edit)
    CampaignStatus.DRAFT: (True, False, False, True, False, True),
    CampaignStatus.PENDING: (False, True, True, True, False, False),
    CampaignStatus.SCHEDULED: (False, False, False, True, True, False),
    CampaignStatus.SENDING: (False, False, False, True, True, False),
    CampaignStatus.RUNNING: (False, False, False, False, True, False),
    CampaignStatus.CLOSED: (False, False, False, False, False, False),
    CampaignStatus.CANCELLED: (False, False, False, False, False, False),
}


@pytest.mark.parametrize(("status", "expected"), EXPECTED.items())
def test_the_state_predicates(status: str, expected: tuple[bool, ...]) -> None:
    campaign = Campaign(status=status)
    predicates = (
        services.can_submit,
        services.can_return,
        services.can_approve,
        services.can_cancel,
        services.can_close,
        services.can_edit,
    )
    assert tuple(predicate(campaign) for predicate in predicates) == expected


@pytest.mark.parametrize("status", [CampaignStatus.RUNNING, CampaignStatus.CLOSED])
def test_the_detail_page_shows_the_buttons_the_services_allow(
    status: str, establishment_a: Any, alice: Any, group: Any, clients: Any
) -> None:
    campaign = _draft(establishment_a, alice, group, mode=ResultsMode.PSEUDONYMOUS)
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    page = clients(alice).get(_url("campaign_detail", campaign)).content.decode()
    close = _url("campaign_action", campaign, "close")
    cancel = _url("campaign_action", campaign, "cancel")
    assert (close in page) is (status == CampaignStatus.RUNNING)
    assert cancel not in page
    assert _url("campaign_action", campaign, "submit") not in page
    # and the service refuses what the page does not offer
    campaign.refresh_from_db()
    with pytest.raises(CampaignError):
        services.campaign_cancel(campaign=campaign, actor=alice)
