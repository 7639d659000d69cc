"""French on the phishing pages: cue codes and difficulties in words (page and PDF), the
CSV export's column titles in the reader's language, « de l'EHPAD » and « du CH » rather
than « de EHPAD », real plurals rather than « groupe(s) »."""

from __future__ import annotations

import datetime as dt
import html
import re
import subprocess
from typing import Any

import pytest
from django.utils import timezone

from rempart.core.grammar import french_with
from rempart.phishing.campaigns.services import campaign_approve, campaign_submit
from rempart.phishing.choices import CampaignStatus, TargetState
from rempart.phishing.models import Campaign, Target
from rempart.phishing.results.report_pdf import campaign_report_pdf
from rempart.phishing.sending.rendering import render_message, target_context
from rempart.phishing.settings.library_content import STARTER_TEMPLATES
from rempart.phishing.tests import engine
from rempart.phishing.tests.engine import TrackingClient
from rempart.phishing.tests.factories import (
    EmailTemplateFactory,
    RecipientFactory,
    SendingProfileFactory,
)
from rempart.phishing.tests.results_world import sent_campaign

pytestmark = pytest.mark.django_db
BASE = "/e/ch-alpha/phishing/"
LAUNCH = dt.datetime(2025, 5, 12, 7, 0, tzinfo=dt.UTC)
PLURAL_HACK = re.compile(r"\w\((?:s|x|e|es)\)")  # groupe(s), nouveau(x), écartée(s)


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


# --- codes shown as words ---------------------------------------------------------------------


def test_the_template_page_names_its_cues_in_french(establishment_a: Any, alice: Any) -> None:
    template = EmailTemplateFactory(
        establishment=establishment_a, cues=["urgency", "link_mismatch"]
    )
    page = _text(engine.signed_in(alice).get(f"{BASE}templates/{template.public_id}/preview/"))
    found = re.search(r'data-testid="cues">([^<]*)<', page)
    assert found is not None
    assert found[1] == "Sentiment d'urgence, Lien trompeur"
    assert "link_mismatch" not in page
    assert "urgency" not in page


def test_the_pdf_report_gives_the_difficulty_in_words(establishment_a: Any) -> None:
    template = EmailTemplateFactory(establishment=establishment_a, difficulty="very")
    campaign = sent_campaign(establishment_a, template=template, launched_at=LAUNCH, sent=6)
    pdf = campaign_report_pdf(campaign)
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "Très difficile" in text
    assert not re.search(r"\bvery\b", text)


def test_the_csv_export_titles_its_columns_in_the_readers_language(
    establishment_a: Any, alice: Any
) -> None:
    template = EmailTemplateFactory(establishment=establishment_a)
    campaign = sent_campaign(establishment_a, template=template, launched_at=LAUNCH, sent=5)
    url = f"{BASE}campaigns/{campaign.public_id}/results.csv"

    def header(language: str) -> str:
        response = engine.signed_in(alice, language).get(url)
        return b"".join(response.streaming_content).decode().splitlines()[0].lstrip("\ufeff")

    assert header("") == (
        "Pseudonyme,Variante,État,Envoyé,Ouvert,Cliqué,Cliqué (confirmé),Formulaire soumis,"
        "Signalé,Sensibilisé"
    )
    assert header("en") == (
        "Pseudonym,Variant,State,Sent,Opened,Clicked,Clicked (confirmed),Submitted,Reported,Trained"
    )


# --- the establishment's name after « de » and « à » -----------------------------------------


@pytest.mark.parametrize(
    ("name", "of", "at"),
    [
        ("CH Alpha", "du CH Alpha", "au CH Alpha"),
        ("EHPAD Les Tilleuls", "de l'EHPAD Les Tilleuls", "à l'EHPAD Les Tilleuls"),
        ("Hôpital Nord", "de l'Hôpital Nord", "à l'Hôpital Nord"),
        ("Clinique du Parc", "de la Clinique du Parc", "à la Clinique du Parc"),
        ("Hospices civils de Lyon", "des Hospices civils de Lyon", "aux Hospices civils de Lyon"),
        ("Le Vinatier", "du Vinatier", "au Vinatier"),
        ("Les Tilleuls", "des Tilleuls", "aux Tilleuls"),
        ("L'Hôpital du Parc", "de l'Hôpital du Parc", "à l'Hôpital du Parc"),
        ("Annecy Santé", "d'Annecy Santé", "à Annecy Santé"),
        ("Saint-Joseph", "de Saint-Joseph", "à Saint-Joseph"),
    ],
)
def test_a_name_after_de_and_a_takes_its_article(name: str, of: str, at: str) -> None:
    assert (french_with("de", name), french_with("à", name)) == (of, at)


def _ehpad_campaign(establishment: Any, creator: Any, approver: Any) -> Campaign:
    type(establishment).objects.filter(pk=establishment.pk).update(name="EHPAD Les Tilleuls")
    establishment.refresh_from_db()
    group = engine.recipients(establishment, 2)
    campaign = engine.campaign(establishment, creator, port=1, groups=[group])
    campaign_submit(campaign=campaign, actor=creator)
    campaign_approve(campaign=campaign, actor=approver)
    delivered = timezone.now() - dt.timedelta(minutes=5)
    Target.objects.filter(campaign=campaign).update(state=TargetState.SENT, sent_at=delivered)
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.RUNNING)
    return campaign


def test_the_teachable_page_and_the_notice_say_de_l_ehpad(
    establishment_a: Any, alice: Any, operator_admin: Any
) -> None:
    campaign = _ehpad_campaign(establishment_a, alice, operator_admin)
    target = Target.objects.filter(campaign=campaign).first()
    assert target is not None
    page = _text(TrackingClient().get(f"/p/{target.token}/", REMOTE_ADDR="198.18.7.1"))
    assert "l'équipe sécurité de l'EHPAD Les Tilleuls" in page
    assert "de EHPAD" not in page
    notice = _text(
        engine.signed_in(alice).get(f"{BASE}campaigns/{campaign.public_id}/legal/notice/")
    )
    assert "La direction de l'EHPAD Les Tilleuls" in notice
    assert "de EHPAD" not in notice


def test_starter_lures_name_the_establishment_with_its_article(establishment_a: Any) -> None:
    person = {"first_name": "Camille", "email": "c@ch-alpha.fr"}
    for name, wrong in (("EHPAD Les Tilleuls", "de EHPAD"), ("CH Alpha", "à CH Alpha")):
        for entry in STARTER_TEMPLATES:
            context = target_context(
                token="t" * 32, person=person, establishment=name, from_name="DSI"
            )
            rendered = render_message(
                subject=entry.subject, html=entry.html, text=entry.text, context=context
            )
            for part in (rendered.html, rendered.text):
                assert wrong not in html.unescape(part), (entry.key, name)


# --- plurals ---------------------------------------------------------------------------------


def test_settings_pages_use_real_plurals(establishment_a: Any, alice: Any) -> None:
    group = engine.recipients(establishment_a, 1)
    SendingProfileFactory(establishment=establishment_a, connections=1)
    hub = _text(engine.signed_in(alice).get(f"{BASE}settings/"))
    assert "1 groupe, 1 destinataire." in hub
    assert "1 profil." in hub
    RecipientFactory(establishment=establishment_a, group=group, email="b@ch-alpha.example.fr")
    hub = _text(engine.signed_in(alice).get(f"{BASE}settings/"))
    assert "2 destinataires." in hub
    pages = [hub] + [
        _text(engine.signed_in(alice).get(f"{BASE}{path}/"))
        for path in ("domains", "groups", "profiles", "templates", "pages", "reports")
    ]
    for page in pages:
        assert not PLURAL_HACK.search(page), PLURAL_HACK.search(page)
    assert "1 connexion" in pages[3]
