"""The public tracking pages (`/p/<token>/…`) through Django's test client with the handler
that serves them in production (the tracking fast path of `config.wsgi`): a person's click
is counted and taught, a scanner's hit is kept but flagged, submitted values are stored
nowhere, a bad token says nothing, and a hit costs the same few queries whatever the size
of the campaign."""

from __future__ import annotations

import datetime as dt
import html
import itertools
import logging
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.core import serializers
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rempart.phishing.campaigns.services import campaign_approve, campaign_submit
from rempart.phishing.choices import CampaignStatus, InteractionKind, TargetState, TeachableOn
from rempart.phishing.models import Campaign, Interaction, Target, TrainingAssignment
from rempart.phishing.sending.rendering import tracking_url
from rempart.phishing.tests import engine
from rempart.phishing.tests.engine import TrackingClient as Client
from rempart.phishing.tests.factories import LandingPageFactory
from rempart.phishing.tracking import hits

pytestmark = pytest.mark.django_db

BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
TEACHABLE = "This was a phishing simulation"  # teachable.html, in English (Accept-Language)
LESSON = "Le lien ne menait pas au site de l'établissement."  # EmailTemplateFactory.lesson
LOGIN, PASSWORD = "canary-user-7f3a", "canary-pass-9b1c"
LANDING = (
    "<html><body><h1>Messagerie de {{ establishment }}</h1>"
    '<form method="post" action="{{ submit_url }}">'
    '<input name="identifiant"><input type="password" name="mot_de_passe">'
    "<button>Se connecter</button></form></body></html>"
)
_networks = itertools.count(1)


@pytest.fixture(autouse=True)
def _no_burst_memory() -> Iterator[None]:
    """No cached state leaks between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person() -> dict[str, Any]:
    """A person's browser, in a network (/24) no other request of the test uses."""
    return browser()


def browser(user_agent: str = BROWSER) -> dict[str, Any]:
    number = next(_networks)
    return {
        "REMOTE_ADDR": f"198.18.{number}.23",
        "HTTP_USER_AGENT": user_agent,
        "HTTP_ACCEPT_LANGUAGE": "en",
    }


def launched(
    establishment: Any, creator: Any, approver: Any, count: int, *, domain: str, **fields: Any
) -> Campaign:
    """A campaign approved through the services, its messages delivered five minutes ago.

    The approval's on-commit dispatch never runs: the test's transaction is rolled back."""
    group = engine.recipients(establishment, count, domain=domain)
    campaign = engine.campaign(establishment, creator, port=1, groups=[group], **fields)
    campaign_submit(campaign=campaign, actor=creator)
    assert campaign_approve(campaign=campaign, actor=approver) == count
    Target.objects.filter(campaign=campaign).update(
        state=TargetState.SENT, sent_at=timezone.now() - dt.timedelta(minutes=5)
    )
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.RUNNING)
    return campaign


@pytest.fixture
def campaign(establishment_a: Any, alice: Any, operator_admin: Any) -> Campaign:
    return launched(establishment_a, alice, operator_admin, 6, domain=engine.DOMAIN)


def first_target(campaign: Campaign) -> Target:
    target: Target = Target.objects.filter(campaign=campaign).order_by("pk")[0]
    return target


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def hit(target: Target, environ: dict[str, Any], *, method: str = "get") -> Interaction:
    """Click `target`'s link from `environ`; the one interaction the click stored."""
    before = set(Interaction.objects.filter(target=target).values_list("pk", flat=True))
    response = getattr(Client(), method)(f"/p/{target.token}/", **environ)
    assert response.status_code == 200
    stored = Interaction.objects.filter(target=target).exclude(pk__in=before)
    assert stored.count() == 1
    interaction: Interaction = stored.get()
    return interaction


# --- a person -------------------------------------------------------------------------------


def test_a_person_click_shows_the_lesson_and_the_gesture_confirms_and_trains(
    campaign: Campaign, person: dict[str, Any]
) -> None:
    target = first_target(campaign)
    client = Client()

    response = client.get(f"/p/{target.token}/", **person)

    assert response.status_code == 200
    page = text(response)
    assert TEACHABLE in page
    assert LESSON in page
    assert "CH Alpha" in page
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert f"/p/{target.token}/h?page=learn" in page  # the gesture beacon
    target.refresh_from_db()
    assert target.clicked_at is not None
    assert target.confirmed_at is None  # a page fetch alone is not a person
    assert target.trained_at is None
    click = Interaction.objects.get(target=target)
    assert click.kind == InteractionKind.CLICK
    assert click.signals == []
    assert click.scanner is False
    assert click.ip_prefix == person["REMOTE_ADDR"].rsplit(".", 1)[0] + ".0/24"
    assert not TrainingAssignment.objects.filter(target=target).exists()

    beacon = client.post(f"/p/{target.token}/h?page=learn", **person)

    assert beacon.status_code == 204
    target.refresh_from_db()
    assert target.confirmed_at is not None
    assert target.trained_at is not None
    assert target.clicked_at is not None
    assert target.confirmed_at >= target.clicked_at
    training = TrainingAssignment.objects.get(target=target)
    assert training.reason == InteractionKind.CLICK
    assert training.campaign_id == campaign.pk
    kinds = list(Interaction.objects.filter(target=target).values_list("kind", flat=True))
    assert sorted(kinds) == sorted(
        [InteractionKind.CLICK, InteractionKind.HUMAN, InteractionKind.LEARN]
    )
    # the page now says a training is waiting
    assert 'id="training"' in client.get(f"/p/{target.token}/learn", **person).content.decode()
    # a second gesture assigns nothing more and keeps the first times
    confirmed, trained = target.confirmed_at, target.trained_at
    assert client.post(f"/p/{target.token}/h?page=learn", **person).status_code == 204
    target.refresh_from_db()
    assert target.confirmed_at == confirmed
    assert target.trained_at == trained
    assert TrainingAssignment.objects.filter(target=target).count() == 1


def test_the_teachable_page_is_french_by_default(campaign: Campaign) -> None:
    target = first_target(campaign)
    environ = {k: v for k, v in browser().items() if k != "HTTP_ACCEPT_LANGUAGE"}
    response = Client().get(f"/p/{target.token}/", **environ)
    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()
    assert LESSON in text(response)


# --- scanners -------------------------------------------------------------------------------


def test_a_hit_within_seconds_of_delivery_is_too_fast(
    campaign: Campaign, person: dict[str, Any]
) -> None:
    target = first_target(campaign)
    Target.objects.filter(pk=target.pk).update(sent_at=timezone.now() - dt.timedelta(seconds=2))

    interaction = hit(target, person)

    assert interaction.signals == ["too_fast"]
    assert interaction.scanner is True
    target.refresh_from_db()
    assert target.clicked_at is None


@pytest.mark.parametrize(
    ("environ", "method", "expected"),
    [
        pytest.param(
            {"REMOTE_ADDR": "40.107.1.1"}, "get", ["scanner_network"], id="scanner_network"
        ),
        pytest.param({}, "head", ["prefetch"], id="head"),
        pytest.param({"HTTP_SEC_PURPOSE": "prefetch"}, "get", ["prefetch"], id="sec-purpose"),
        pytest.param(
            {"HTTP_USER_AGENT": "python-requests/2.31"}, "get", ["automated_agent"], id="agent"
        ),
    ],
)
def test_scanner_hits_are_kept_flagged_and_not_counted(
    campaign: Campaign, environ: dict[str, Any], method: str, expected: list[str]
) -> None:
    target = first_target(campaign)

    interaction = hit(target, {**browser(), **environ}, method=method)

    assert interaction.signals == expected
    assert interaction.scanner is True
    assert interaction.kind == InteractionKind.CLICK
    assert interaction.method == method.upper()
    target.refresh_from_db()
    assert target.clicked_at is None
    assert target.sent_at is not None  # delivered long enough ago: only `expected` fired


def test_a_scanner_open_of_the_pixel_does_not_count_as_opened(campaign: Campaign) -> None:
    target = first_target(campaign)
    environ = browser("python-requests/2.31")
    response = Client().get(f"/p/{target.token}/o.gif", **environ)
    assert response.status_code == 200
    opened = Interaction.objects.get(target=target)
    assert opened.kind == InteractionKind.OPEN
    assert opened.signals == ["automated_agent"]
    target.refresh_from_db()
    assert target.opened_at is None
    # a person's open counts
    Client().get(f"/p/{target.token}/o.gif", **browser())
    target.refresh_from_db()
    assert target.opened_at is not None


def test_one_network_hitting_many_tokens_at_once_is_a_burst(
    establishment_a: Any, alice: Any, operator_admin: Any
) -> None:
    count = hits.BURST_TOKENS + 3
    burst = launched(establishment_a, alice, operator_admin, count, domain=engine.DOMAIN)
    targets = list(Target.objects.filter(campaign=burst).order_by("pk"))
    network = browser()  # the same address for every hit

    found = [hit(target, network).signals for target in targets]

    # colleagues behind one NAT address click a few links; a scanner opens them all at once
    quiet = hits.BURST_TOKENS + 1
    assert found == [[]] * quiet + [["burst"]] * (count - quiet)
    clicked = {t.pk: t.clicked_at for t in Target.objects.filter(campaign=burst)}
    assert [clicked[t.pk] is not None for t in targets] == [True] * quiet + [False] * (
        count - quiet
    )
    # another network is not affected
    assert hit(targets[0], browser()).signals == []


# --- a landing page and its form ------------------------------------------------------------


def test_submitted_values_are_stored_nowhere(
    establishment_a: Any,
    alice: Any,
    operator_admin: Any,
    person: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")  # WARNING in the settings
    page = LandingPageFactory(establishment=establishment_a, html=LANDING)
    campaign = launched(
        establishment_a,
        alice,
        operator_admin,
        2,
        domain=engine.DOMAIN,
        landing_page=page,
        teachable_on=TeachableOn.SUBMIT,
    )
    target = first_target(campaign)
    client = Client()

    landing = client.get(f"/p/{target.token}/", **person)

    assert landing.status_code == 200
    body = text(landing)
    assert f'action="{tracking_url(target.token, "submit")}"' in body
    assert 'name="mot_de_passe"' in body
    assert "Messagerie de CH Alpha" in body
    assert TEACHABLE not in body
    target.refresh_from_db()
    assert target.clicked_at is not None
    assert target.submitted_at is None

    with CaptureQueriesContext(connection) as queries:  # SQL is logged at DEBUG too
        response = client.post(
            f"/p/{target.token}/submit",
            {"identifiant": LOGIN, "mot_de_passe": PASSWORD},
            **person,
        )

    assert response.status_code == 200
    answer = text(response)
    assert TEACHABLE in answer
    assert "Your password was NOT recorded" in answer
    assert LESSON in answer
    target.refresh_from_db()
    assert target.submitted_at is not None
    assert target.confirmed_at is not None
    assert target.trained_at is not None
    assert TrainingAssignment.objects.get(target=target).reason == InteractionKind.SUBMIT
    submitted = Interaction.objects.get(target=target, kind=InteractionKind.SUBMIT)
    assert submitted.field_names == ["identifiant", "mot_de_passe"]
    # nowhere: not in any row of any table, any SQL statement, any log record, the answer
    dumps = {
        model._meta.label: serializers.serialize("json", model.objects.all())
        for model in apps.get_models()
    }
    assert '"mot_de_passe"' in dumps["phishing.Interaction"]  # the dump sees the hit's row
    assert any("mot_de_passe" in query["sql"] for query in queries.captured_queries)
    assert any(record.name == "django.db.backends" for record in caplog.records)  # SQL logged
    for canary in (LOGIN, PASSWORD):
        assert canary not in answer
        for label, dump in dumps.items():
            assert canary not in dump, f"{canary} stored in {label}"
        for query in queries.captured_queries:
            assert canary not in query["sql"]
        for record in caplog.records:
            assert canary not in record.getMessage()
            assert canary not in repr(record.args)
            assert canary not in repr(getattr(record, "request", ""))


# --- tokens that lead nowhere ---------------------------------------------------------------


def _says_nothing(response: Any, campaign: Campaign, target: Target) -> None:
    assert response.status_code == 404
    body = text(response)
    for secret in (
        campaign.name,
        "CH Alpha",
        LESSON,
        "Votre boîte aux lettres est pleine",
        target.token,
        TEACHABLE,
        "campagne",
        "campaign",
    ):
        assert secret.lower() not in body.lower()


def test_unknown_malformed_and_cancelled_tokens_get_a_plain_404(
    campaign: Campaign, person: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    target = first_target(campaign)
    cancelled = Target.objects.filter(campaign=campaign).order_by("pk")[1]
    Target.objects.filter(pk=cancelled.pk).update(state=TargetState.CANCELLED)
    client = Client()
    paths = [
        f"/p/{secrets.token_urlsafe(24)}/",  # well formed, unknown
        f"/p/{quote('../etc', safe='')}/",
        "/p/..etc/",
        f"/p/{target.token[:-1]}/",
        f"/p/{cancelled.token}/",
        f"/p/{cancelled.token}/learn",
    ]
    for path in paths:
        _says_nothing(client.get(path, **person), campaign, target)
    with caplog.at_level(logging.INFO):
        for suffix in ("submit", "h", "report"):
            response = client.post(f"/p/{cancelled.token}/{suffix}", **person)
            _says_nothing(response, campaign, target)
        assert client.get(f"/p/{target.token}/report", **person).status_code == 405
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert cancelled.token not in logged  # no "Not Found: /p/<token>/…" line
    assert target.token not in logged
    assert not Interaction.objects.exists()
    cancelled.refresh_from_db()
    assert cancelled.clicked_at is None
    assert cancelled.reported_at is None


def test_the_pixel_is_a_gif_for_any_token(campaign: Campaign, person: dict[str, Any]) -> None:
    target = first_target(campaign)
    cancelled = Target.objects.filter(campaign=campaign).order_by("pk")[1]
    Target.objects.filter(pk=cancelled.pk).update(state=TargetState.CANCELLED)
    for token in (secrets.token_urlsafe(24), "x", "..etc", cancelled.token, target.token):
        response = Client().get(f"/p/{token}/o.gif", **person)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/gif"
        assert response.content.startswith(b"GIF89a")
    # only the live target's open was recorded
    assert list(Interaction.objects.values_list("target_id", "kind")) == [
        (target.pk, InteractionKind.OPEN)
    ]


# --- cost of a hit --------------------------------------------------------------------------


def test_a_click_costs_the_same_few_queries_for_5_or_300_targets(
    establishment_a: Any,
    alice: Any,
    operator_admin: Any,
    django_assert_max_num_queries: Any,
) -> None:
    small = launched(establishment_a, alice, operator_admin, 5, domain="petit.example.fr")
    large = launched(establishment_a, alice, operator_admin, 300, domain="grand.example.fr")
    assert Target.objects.filter(campaign=large).count() == 300
    counts = []
    for campaign in (small, large):
        first, second = Target.objects.filter(campaign=campaign).order_by("-pk")[:2]
        client = Client()
        hits.caches_clear()  # the first click looks its campaign, variant, report address up
        for target, most in ((first, 9), (second, 6)):  # the second finds them kept
            with django_assert_max_num_queries(most) as captured:
                response = client.get(f"/p/{target.token}/", **browser())
            assert response.status_code == 200
            assert TEACHABLE in text(response)
            target.refresh_from_db()
            assert target.clicked_at is not None  # the full path: insert and update
            counts.append(len(captured.captured_queries))
    assert counts[:2] == counts[2:]


# --- report button --------------------------------------------------------------------------


def test_the_report_button_sets_the_first_report_time_once(
    campaign: Campaign, person: dict[str, Any]
) -> None:
    target = first_target(campaign)
    client = Client()

    first = client.post(f"/p/{target.token}/report", **person)

    assert first.status_code == 204
    assert first["Access-Control-Allow-Origin"] == "*"
    target.refresh_from_db()
    reported = target.reported_at
    assert reported is not None

    second = client.post(f"/p/{target.token}/report", **person)

    assert second.status_code == 204
    target.refresh_from_db()
    assert target.reported_at == reported
    assert client.get(f"/p/{target.token}/report", **person).status_code == 405
    reports = Interaction.objects.filter(target=target, kind=InteractionKind.REPORT)
    assert list(reports.values_list("method", flat=True)) == ["BUTTON", "BUTTON"]


# --- HEAD -----------------------------------------------------------------------------------


def test_head_on_a_tracking_link_answers_without_a_body_and_is_no_click(
    campaign: Campaign, person: dict[str, Any]
) -> None:
    # given
    target = first_target(campaign)
    # when: a link checker asks for the headers of the link
    answer = engine.wsgi_call("HEAD", f"/p/{target.token}/", **person)
    # then: the headers of the page, no body, a prefetch kept but not counted
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.body == b""
    interaction = Interaction.objects.get(target=target)
    assert (interaction.kind, interaction.method) == (InteractionKind.CLICK, "HEAD")
    assert interaction.signals == ["prefetch"]
    target.refresh_from_db()
    assert target.clicked_at is None
    # the same link with GET is the page
    page = engine.wsgi_call("GET", f"/p/{target.token}/", **person)
    assert page.status == 200
    assert TEACHABLE.encode() in page.body


@pytest.mark.parametrize("suffix", ["learn", "o.gif"])
def test_head_on_the_other_tracking_pages_has_no_body_either(
    campaign: Campaign, person: dict[str, Any], suffix: str
) -> None:
    target = first_target(campaign)
    answer = engine.wsgi_call("HEAD", f"/p/{target.token}/{suffix}", **person)
    assert answer.status == 200
    assert answer.body == b""
    assert engine.wsgi_call("GET", f"/p/{target.token}/{suffix}", **person).body != b""


# --- submissions and gesture beacons are scored like clicks ---------------------------------

SCANNER_POSTS = [
    pytest.param({"REMOTE_ADDR": "40.107.1.1"}, 300, ["scanner_network"], id="scanner_network"),
    pytest.param({"HTTP_USER_AGENT": "python-requests/2.31"}, 300, ["automated_agent"], id="agent"),
    pytest.param({}, 2, ["too_fast"], id="too_fast"),
    pytest.param(
        {"REMOTE_ADDR": "40.107.1.1", "HTTP_USER_AGENT": "Mozilla/4.0 (compatible; MSIE 7.0)"},
        1,
        ["too_fast", "scanner_network", "automated_agent"],
        id="all",
    ),
]


def _landing_campaign(establishment: Any, creator: Any, approver: Any) -> Campaign:
    page = LandingPageFactory(establishment=establishment, html=LANDING)
    return launched(
        establishment,
        creator,
        approver,
        2,
        domain=engine.DOMAIN,
        landing_page=page,
        teachable_on=TeachableOn.SUBMIT,
    )


def _nothing_confirmed(target: Target) -> None:
    target.refresh_from_db()
    stamps = (target.clicked_at, target.confirmed_at, target.submitted_at, target.trained_at)
    assert stamps == (None, None, None, None)
    assert not TrainingAssignment.objects.filter(target=target).exists()
    assert not Interaction.objects.filter(target=target, kind=InteractionKind.LEARN).exists()


@pytest.mark.parametrize(("environ", "delivered", "expected"), SCANNER_POSTS)
def test_a_scanner_submitting_the_form_is_kept_flagged_and_confirms_nothing(
    establishment_a: Any,
    alice: Any,
    operator_admin: Any,
    environ: dict[str, Any],
    delivered: int,
    expected: list[str],
) -> None:
    # given: delivered `delivered` seconds ago
    target = first_target(_landing_campaign(establishment_a, alice, operator_admin))
    Target.objects.filter(pk=target.pk).update(
        sent_at=timezone.now() - dt.timedelta(seconds=delivered)
    )
    # when: a mail-security sandbox posts the landing page's form
    response = Client().post(
        f"/p/{target.token}/submit", {"identifiant": LOGIN}, **{**browser(), **environ}
    )
    # then: answered like anyone, kept with its signals, counted as nobody's submission
    assert response.status_code == 200
    submitted = Interaction.objects.get(target=target)
    assert submitted.kind == InteractionKind.SUBMIT
    assert submitted.signals == expected
    assert submitted.scanner is True
    assert submitted.field_names == ["identifiant"]
    _nothing_confirmed(target)


@pytest.mark.parametrize(("environ", "delivered", "expected"), SCANNER_POSTS)
def test_a_scanner_gesture_beacon_is_kept_flagged_and_confirms_nothing(
    campaign: Campaign, environ: dict[str, Any], delivered: int, expected: list[str]
) -> None:
    target = first_target(campaign)
    Target.objects.filter(pk=target.pk).update(
        sent_at=timezone.now() - dt.timedelta(seconds=delivered)
    )

    response = Client().post(f"/p/{target.token}/h?page=learn", **{**browser(), **environ})

    assert response.status_code == 204
    beacon = Interaction.objects.get(target=target)
    assert (beacon.kind, beacon.signals, beacon.scanner) == (InteractionKind.HUMAN, expected, True)
    _nothing_confirmed(target)


def test_a_burst_of_beacons_from_one_network_is_a_scanner(
    establishment_a: Any, alice: Any, operator_admin: Any
) -> None:
    count = hits.BURST_TOKENS + 2
    burst = launched(establishment_a, alice, operator_admin, count, domain=engine.DOMAIN)
    targets = list(Target.objects.filter(campaign=burst).order_by("pk"))
    network = browser()

    for target in targets:
        assert Client().post(f"/p/{target.token}/h", **network).status_code == 204

    signals = [
        Interaction.objects.get(target=target, kind=InteractionKind.HUMAN).signals
        for target in targets
    ]
    quiet = hits.BURST_TOKENS + 1
    assert signals == [[]] * quiet + [["burst"]] * (count - quiet)
    confirmed = Target.objects.filter(campaign=burst, confirmed_at__isnull=False).count()
    assert confirmed == quiet
