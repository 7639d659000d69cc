"""The legal kit: documents filled from the campaign, regime wording, tenant isolation."""

from __future__ import annotations

import datetime
import html
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rempart.phishing.campaigns.legal import PRIVATE, PUBLIC, UNKNOWN, french_date, regime_of
from rempart.phishing.tests.factories import (
    CampaignFactory,
    RecipientFactory,
    RecipientGroupFactory,
)
from rempart.tenancy.models import Contact
from rempart.tenancy.tests.factories import EstablishmentFactory

pytestmark = pytest.mark.django_db


def _url(campaign: Any, document: str) -> str:
    return reverse(
        "phishing:legal_document",
        kwargs={
            "establishment": campaign.establishment.slug,
            "public_id": campaign.public_id,
            "document": document,
        },
    )


@pytest.fixture
def campaign(establishment_a: Any, alice: Any) -> Any:
    nurses = RecipientGroupFactory(establishment=establishment_a, name="Infirmiers de nuit")
    admin = RecipientGroupFactory(establishment=establishment_a, name="Secrétariats médicaux")
    for index in range(3):
        RecipientFactory(establishment=establishment_a, group=nurses, email=f"n{index}@a.fr")
    RecipientFactory(establishment=establishment_a, group=admin, email="n0@a.fr")
    RecipientFactory(establishment=establishment_a, group=admin, email="s1@a.fr")
    Contact.objects.create(
        establishment=establishment_a,
        role="dpo",
        full_name="Dominique Prudent",
        email="dpo@ch-alpha.example.fr",
    )
    result = CampaignFactory(
        establishment=establishment_a,
        created_by=alice,
        name="Campagne d'automne",
        retention_until=datetime.date(2027, 3, 1),
        cse_consulted_on=datetime.date(2026, 9, 15),
        staff_informed_on=datetime.date(2026, 9, 20),
        weekdays=[0, 2],
        hour_start=9,
        hour_end=17,
    )
    result.groups.set([nurses, admin])
    return result


def _get(client: Client, user: Any, campaign: Any, document: str) -> Any:
    client.force_login(user)
    return client.get(_url(campaign, document))


@pytest.mark.parametrize("document", ["notice", "consultation", "record"])
def test_each_document_shows_the_campaign_figures(
    client: Client, alice: Any, campaign: Any, document: str
) -> None:
    response = _get(client, alice, campaign, document)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "CH Alpha" in page
    assert "1er mars 2027" in page  # retention
    assert "Dominique Prudent" in page
    assert "dpo@ch-alpha.example.fr" in page
    assert "RGPD, art. 6.1.e" in page  # default legal basis: public task
    assert "jamais enregistrées" in page  # submitted values
    assert "adresse réseau tronquée" in page
    assert "window.print()" in page


def test_consultation_lists_populations_counts_and_case_law(
    client: Client, alice: Any, campaign: Any
) -> None:
    page = html.unescape(_get(client, alice, campaign, "consultation").content.decode())
    assert 'Infirmiers de nuit</td><td class="num">3' in page
    assert 'Secrétariats médicaux</td><td class="num">2' in page
    assert '<td class="num">4</td>' in page  # n0@a.fr is in both groups
    assert "n° 18-11.792" in page
    assert "15 septembre 2026" in page
    assert "lundi, mercredi" in page
    assert "entre 9 h et 17 h" in page


def test_notice_and_record(client: Client, alice: Any, campaign: Any) -> None:
    notice = html.unescape(_get(client, alice, campaign, "notice").content.decode())
    assert "Aucune sanction" in notice
    assert "20 septembre 2026" in notice
    assert "Infirmiers de nuit" not in notice  # the notice does not target anyone
    record = html.unescape(_get(client, alice, campaign, "record").content.decode())
    assert "Article 30 du RGPD" in record
    assert "Infirmiers de nuit (3)" in record
    assert "Transferts hors Union européenne" in record


def test_public_establishment_has_a_comite_social_d_etablissement(
    client: Client, alice: Any, campaign: Any
) -> None:
    assert regime_of(campaign.establishment) == PUBLIC  # a CH
    page = html.unescape(_get(client, alice, campaign, "consultation").content.decode())
    assert "Information-consultation du comité social d'établissement" in page
    assert "2021-1570" in page
    assert "comité social et économique" not in page


def test_private_establishment_has_a_cse(client: Client, alice: Any, campaign: Any) -> None:
    campaign.establishment.category = "clinic"
    campaign.establishment.save()
    campaign.legal_basis = "legitimate_interest"
    campaign.save()
    page = html.unescape(_get(client, alice, campaign, "consultation").content.decode())
    assert "Information-consultation du comité social et économique" in page
    assert "L2312-38" in page
    assert "comité social d'établissement" not in page
    assert "RGPD, art. 6.1.f" in page
    notice = html.unescape(_get(client, alice, campaign, "notice").content.decode())
    assert "L1222-4" in notice


@pytest.mark.parametrize(
    ("category", "legal_entity_name", "expected"),
    [
        ("chu", "", PUBLIC),
        ("espic", "Centre hospitalier associatif", PRIVATE),
        ("ehpad", "CCAS de Villeneuve", PUBLIC),
        ("ehpad", "EHPAD public intercommunal", PUBLIC),
        ("ehpad", "Résidences Les Tilleuls SAS", UNKNOWN),
        ("medico_social", "", UNKNOWN),
    ],
)
def test_regime_of(category: str, legal_entity_name: str, expected: str) -> None:
    establishment = EstablishmentFactory.build(
        category=category, legal_entity_name=legal_entity_name, name="Les Tilleuls"
    )
    assert regime_of(establishment) == expected


def test_unknown_regime_names_both_committees(client: Client, charlie: Any) -> None:
    campaign = CampaignFactory(establishment=charlie.memberships.get().establishment)
    page = html.unescape(_get(client, charlie, campaign, "consultation").content.decode())
    assert "comité social et économique" in page
    assert "comité social d'établissement" in page
    assert "[coordonnées du DPO à compléter]" in page


def test_unknown_document_is_404(client: Client, alice: Any, campaign: Any) -> None:
    assert _get(client, alice, campaign, "contract").status_code == 404


def test_another_establishment_gets_404(
    client: Client, personas: dict[str, Any], campaign: Any
) -> None:
    assert _get(client, personas["charlie"], campaign, "notice").status_code == 404
    # Through charlie's own establishment in the URL, alice's campaign is not found either.
    client.force_login(personas["charlie"])
    url = reverse(
        "phishing:legal_document",
        kwargs={
            "establishment": "ehpad-bravo",
            "public_id": campaign.public_id,
            "document": "notice",
        },
    )
    assert client.get(url).status_code == 404


def test_french_date() -> None:
    assert french_date(datetime.date(2026, 8, 1)) == "1er août 2026"
    assert french_date(datetime.date(2026, 12, 25)) == "25 décembre 2026"
    assert french_date(None) == ""
