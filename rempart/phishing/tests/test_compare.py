"""The operator's regional comparison: the same lure in the same quarter, one line per
establishment of the operator's perimeter, nothing for fewer than 5 people."""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from rempart.phishing.results import compare
from rempart.phishing.tests.factories import EmailTemplateFactory
from rempart.phishing.tests.results_world import sent_campaign
from rempart.tenancy.selectors import establishment_list
from rempart.tenancy.tests.factories import EstablishmentFactory

pytestmark = pytest.mark.django_db

PARIS = dt.timezone(dt.timedelta(hours=2))  # summer time, as in May and June
Q2 = compare.Period(2025, 2)
URL = "/operator/phishing/"
DASH = "\N{EN DASH}"
QUERY_BUDGET = 8  # user, assignment, MFA, periods, variants, clicks, targets, switcher


def _at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2025, month, day, 9, 0, tzinfo=PARIS)


def _parcel(establishment: Any, name: str = "Colis en attente") -> Any:
    """The starter library's parcel lure, as installed (and renamed) by an establishment."""
    return EmailTemplateFactory(
        establishment=establishment, name=name, library_key="colis", subject="Votre colis"
    )


@pytest.fixture
def region(operator: Any, ght: Any, establishment_a: Any, establishment_b: Any) -> dict[str, Any]:
    """A and C (in the GHT) sent the parcel lure in Q2, D (in the GHT) to 3 people only,
    B (outside the GHT) too; A sent it again in Q3."""
    c = EstablishmentFactory(operator=operator, group=ght, name="CH Charlie", slug="ch-charlie")
    d = EstablishmentFactory(operator=operator, group=ght, name="EHPAD Delta", slug="ehpad-delta")
    parcel_a = _parcel(establishment_a)
    sent_campaign(
        establishment_a,
        template=parcel_a,
        launched_at=_at(5, 12),
        sent=10,
        opened=5,
        clicked=2,
        scanner_clicks=1,
        submitted=1,
        reported=3,
    )
    sent_campaign(
        c,
        template=_parcel(c, name="Colis (version GHT)"),
        launched_at=_at(6, 2),
        sent=20,
        opened=8,
        clicked=5,
        submitted=2,
        reported=4,
        first_report_after=dt.timedelta(hours=1),
    )
    sent_campaign(
        d, template=_parcel(d), launched_at=_at(4, 7), sent=3, opened=3, clicked=1, reported=1
    )
    sent_campaign(
        establishment_b, template=_parcel(establishment_b), launched_at=_at(5, 20), sent=8
    )
    sent_campaign(establishment_a, template=parcel_a, launched_at=_at(9, 15), sent=6, clicked=1)
    return {"a": establishment_a, "b": establishment_b, "c": c, "d": d}


def _groups(user: Any, period: compare.Period | None = Q2) -> list[compare.Group]:
    return compare.comparison_groups(establishments=establishment_list(user=user), period=period)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_same_lure_same_quarter_is_one_group(region: dict[str, Any], analyst: Any) -> None:
    # when
    (group,) = _groups(analyst)
    # then: B is outside the analyst's GHT; A and C renamed the template but it is the same
    assert group.identity == compare.TemplateIdentity("library:colis", library=True)
    assert group.period == Q2
    lines = {line.establishment.slug: line for line in group.lines}
    assert list(lines) == ["ch-alpha", "ch-charlie", "ehpad-delta"]
    assert lines["ch-alpha"].rates == {
        "opened": 50.0,
        "clicked_raw": 30.0,  # 2 confirmed + 1 scanner hit only
        "clicked": 20.0,
        "submitted": 10.0,
        "reported": 30.0,
        "reported_before_click": 30.0,
    }
    assert lines["ch-alpha"].median_first_report == dt.timedelta(minutes=30)
    assert lines["ch-charlie"].rates == {
        "opened": 40.0,
        "clicked_raw": 25.0,
        "clicked": 25.0,
        "submitted": 10.0,
        "reported": 20.0,
        "reported_before_click": 20.0,
    }
    assert lines["ch-charlie"].median_first_report == dt.timedelta(hours=1)


def test_fewer_than_five_people_show_nothing_and_stay_out_of_the_total(
    region: dict[str, Any], analyst: Any
) -> None:
    (group,) = _groups(analyst)
    delta = next(line for line in group.lines if line.establishment.slug == "ehpad-delta")
    assert delta.suppressed
    assert delta.funnel.targets == 3
    assert set(delta.rates.values()) == {None}
    assert delta.median_first_report is None
    total = group.total
    assert total.establishments == 2
    assert (total.funnel.sent, total.funnel.opened, total.funnel.clicked) == (30, 13, 7)
    assert total.rates == {
        "opened": 43.3,
        "clicked_raw": 26.7,
        "clicked": 23.3,
        "submitted": 10.0,
        "reported": 23.3,
        "reported_before_click": 23.3,
    }
    assert total.median_first_report == dt.timedelta(minutes=45)
    assert group.hidden_establishments == 1


def test_the_operator_administrator_sees_every_establishment(
    region: dict[str, Any], operator_admin: Any
) -> None:
    (group,) = _groups(operator_admin)
    assert [line.establishment.slug for line in group.lines] == [
        "ch-alpha",
        "ch-charlie",
        "ehpad-bravo",
        "ehpad-delta",
    ]
    assert group.total.establishments == 3


def test_periods_and_own_templates(
    region: dict[str, Any], analyst: Any, establishment_a: Any
) -> None:
    # given: the same own template (name and subject, case and spaces aside) in A and C,
    # and another one in C with a different subject
    c = region["c"]
    same = {"subject": "Mise à jour  du planning"}
    own_a = EmailTemplateFactory(establishment=establishment_a, name="Planning", **same)
    own_c = EmailTemplateFactory(
        establishment=c, name="planning", subject="Mise à jour du PLANNING"
    )
    other_c = EmailTemplateFactory(establishment=c, name="Planning v2", subject="Autre sujet")
    sent_campaign(establishment_a, template=own_a, launched_at=_at(5, 5), sent=5)
    sent_campaign(c, template=own_c, launched_at=_at(6, 30), sent=5)
    sent_campaign(c, template=other_c, launched_at=_at(6, 30), sent=5)
    # when
    perimeter = establishment_list(user=analyst)
    periods = compare.comparison_periods(establishments=perimeter)
    everything = _groups(analyst, period=None)
    # then
    assert periods == [compare.Period(2025, 3), Q2]
    summary = [
        (g.period.key, g.identity.library, sorted(line.establishment.slug for line in g.lines))
        for g in everything
    ]
    assert summary == [
        ("2025-Q3", True, ["ch-alpha"]),
        ("2025-Q2", True, ["ch-alpha", "ch-charlie", "ehpad-delta"]),
        ("2025-Q2", False, ["ch-alpha", "ch-charlie"]),
        ("2025-Q2", False, ["ch-charlie"]),
    ]


def test_page_for_the_operator(region: dict[str, Any], analyst: Any) -> None:
    # when
    response = _client(analyst).get(URL, {"period": "2025-Q2"})
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "CH Alpha" in page
    assert "CH Charlie" in page
    assert "EHPAD Bravo" not in page
    assert "ehpad-bravo" not in page
    alpha = _row(page, "ch-alpha")
    assert 'data-rate="opened">50,0&nbsp;%</td>' in alpha
    low, high = _wilson_percent(2, 10)  # 2 confirmed clicks of 10 messages
    assert (
        f'data-rate="clicked">20,0&nbsp;% <span class="small text-muted text-nowrap" '
        f'data-interval="clicked">({low}{DASH}{high})</span></td>'
    ) in alpha
    low, high = _wilson_percent(3, 10)
    assert f'data-interval="reported">({low}{DASH}{high})</span>' in alpha
    assert 'data-interval="opened"' not in alpha  # intervals for clicks and reports only
    assert 'data-rate="first_report">30\xa0min</td>' in alpha  # French: a no-break space
    delta = _row(page, "ehpad-delta")
    assert "%" not in delta
    assert delta.count("—") == 7  # six rates and the delay
    assert 'data-rate="clicked">23,3&nbsp;% <span' in _total(page)
    assert "data-interval" not in delta  # under 5 people: no interval either


def test_page_periods(region: dict[str, Any], analyst: Any) -> None:
    client = _client(analyst)
    latest = client.get(URL).context["groups"]
    assert [g.period.key for g in latest] == ["2025-Q3"]
    every = client.get(URL, {"period": "all"}).context["groups"]
    assert [g.period.key for g in every] == ["2025-Q3", "2025-Q2"]
    assert client.get(URL, {"period": "2024-Q1"}).context["groups"] == []


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie"])
def test_members_cannot_open_the_page(
    region: dict[str, Any], personas: dict[str, Any], persona: str
) -> None:
    response = _client(personas[persona]).get(URL, {"period": "all"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "CH Charlie" not in page
    assert "compare-group" not in page


def test_anonymous_is_sent_to_sign_in(db: Any) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_menu_entry_only_for_operator_staff(personas: dict[str, Any], establishment_a: Any) -> None:
    url = reverse("phishing:operator_compare")
    assert f'href="{url}"' in _client(personas["analyst"]).get("/operator/").content.decode()
    page = _client(personas["alice"]).get(f"/e/{establishment_a.slug}/").content.decode()
    assert f'href="{url}"' not in page


def _row(page: str, slug: str) -> str:
    match = re.search(rf'<tr data-establishment="{slug}">.*?</tr>', page, re.DOTALL)
    assert match, slug
    return match[0]


def _total(page: str) -> str:
    match = re.search(r'<tr [^>]*data-testid="regional-total">.*?</tr>', page, re.DOTALL)
    assert match
    return match[0]


def test_queries_do_not_grow_with_campaigns(
    region: dict[str, Any],
    analyst: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = _client(analyst)
    client.get(URL, {"period": "all"})
    for day in range(1, 6):
        c = region["c"]
        template = EmailTemplateFactory(establishment=c, name=f"Leurre {day}")
        sent_campaign(c, template=template, launched_at=_at(4, day), sent=5, clicked=1)
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(URL, {"period": "all"})
    assert len(response.context["groups"]) == 7


# --- confidence intervals and difficulty -----------------------------------------------------

Z = 1.959963984540054


def _wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson score interval written out from the formula, independently of compare.py:
    (p + z²/2n ± z·√(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    p = k / n
    centre = p + Z**2 / (2 * n)
    spread = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return (centre - spread) / (1 + Z**2 / n), (centre + spread) / (1 + Z**2 / n)


def _wilson_percent(k: int, n: int) -> tuple[str, str]:
    """As the French page shows it: percent, one decimal, decimal comma."""
    return tuple(f"{100 * bound:.1f}".replace(".", ",") for bound in _wilson(k, n))  # type: ignore[return-value]


def test_wilson_interval_of_10_out_of_50() -> None:
    low, high = compare.wilson(10, 50)  # type: ignore[misc]
    expected_low, expected_high = _wilson(10, 50)
    assert low == pytest.approx(expected_low, abs=1e-12)
    assert high == pytest.approx(expected_high, abs=1e-12)
    assert (round(low, 3), round(high, 3)) == (0.112, 0.330)


def test_wilson_interval_edges() -> None:
    assert compare.wilson(0, 0) is None
    low, high = compare.wilson(0, 20)  # type: ignore[misc]
    assert low == 0.0
    assert high == pytest.approx(_wilson(0, 20)[1])
    low, high = compare.wilson(20, 20)  # type: ignore[misc]
    assert high == 1.0
    assert low == pytest.approx(_wilson(20, 20)[0])


def test_lines_carry_intervals_except_under_five_people(
    region: dict[str, Any], analyst: Any
) -> None:
    (group,) = _groups(analyst)
    lines = {line.establishment.slug: line for line in group.lines}
    charlie = lines["ch-charlie"].intervals  # 5 confirmed clicks and 4 reports of 20
    assert charlie["clicked"] == compare.Interval(
        *(round(100 * bound, 1) for bound in _wilson(5, 20))
    )
    assert charlie["reported"] == compare.Interval(
        *(round(100 * bound, 1) for bound in _wilson(4, 20))
    )
    assert lines["ehpad-delta"].intervals == {"clicked": None, "reported": None}
    assert group.total.intervals["clicked"] == compare.Interval(
        *(round(100 * bound, 1) for bound in _wilson(7, 30))
    )


def test_the_group_shows_the_lure_difficulty(region: dict[str, Any], analyst: Any) -> None:
    (group,) = _groups(analyst)
    with translation.override("en"):
        assert group.difficulty_labels == ["Moderately difficult"]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(analyst)
    page = html.unescape(client.get(URL, {"period": "2025-Q2"}).content.decode())
    assert "Difficulty (NIST Phish Scale): Moderately difficult" in page
    assert "the difference between them may be chance" in page
    assert "Comparisons are only made within one lure" in page
