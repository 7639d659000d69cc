"""The starter library: Phish Scale difficulty, cue catalogue, starter content, install."""

from __future__ import annotations

import re
from typing import Any

import pytest

from rempart.audit.models import AuditEntry
from rempart.phishing.choices import Difficulty, PremiseAlignment
from rempart.phishing.models import EmailTemplate, LandingPage
from rempart.phishing.sending.rendering import check_template, preview_context, render_message
from rempart.phishing.settings.library import (
    CUE_CATEGORIES,
    CUES,
    STARTER_PAGES,
    STARTER_TEMPLATES,
    cues_for,
    difficulty,
    library_install,
)
from rempart.phishing.tests.factories import EmailTemplateFactory, LandingPageFactory

H, M, L = PremiseAlignment.HIGH, PremiseAlignment.MEDIUM, PremiseAlignment.LOW


@pytest.mark.parametrize(
    ("count", "alignment", "expected"),
    [
        (0, H, Difficulty.VERY),
        (1, H, Difficulty.VERY),
        (8, M, Difficulty.VERY),
        (8, L, Difficulty.MODERATE),
        (9, H, Difficulty.VERY),
        (9, M, Difficulty.MODERATE),
        (14, L, Difficulty.LEAST),
        (15, H, Difficulty.MODERATE),
        (15, M, Difficulty.LEAST),
        (40, L, Difficulty.LEAST),
    ],
)
def test_difficulty_follows_the_nist_table(count: int, alignment: str, expected: str) -> None:
    assert difficulty(count, alignment) == expected


def test_difficulty_accepts_plain_strings_and_rejects_nonsense() -> None:
    assert difficulty(3, "low") == "moderate"
    with pytest.raises(ValueError, match="alignment"):
        difficulty(3, "extreme")
    with pytest.raises(ValueError, match="negative"):
        difficulty(-1, "low")


def test_every_cue_is_in_one_category_and_explained() -> None:
    categorised = [code for codes in CUE_CATEGORIES.values() for code in codes]
    assert sorted(categorised) == sorted(CUES)
    assert all(len(str(label)) > 5 and len(str(text)) > 40 for label, text in CUES.values())


def test_cues_for_keeps_order_skips_unknown_and_duplicates() -> None:
    pairs = cues_for(["urgency", "nope", "link_mismatch", "urgency"])
    assert [label for label, _ in pairs] == [str(CUES["urgency"][0]), str(CUES["link_mismatch"][0])]


def test_starter_templates_are_complete_and_render() -> None:
    assert len(STARTER_TEMPLATES) >= 8
    assert len({t.key for t in STARTER_TEMPLATES}) == len(STARTER_TEMPLATES)
    assert len({t.name for t in STARTER_TEMPLATES}) == len(STARTER_TEMPLATES)
    for entry in STARTER_TEMPLATES:
        assert set(entry.cues) <= set(CUES), entry.key
        assert entry.premise_alignment in PremiseAlignment.values
        for variable in ("{{ url }}", "{{ tracker }}"):
            assert variable in entry.html, (entry.key, variable)
        assert re.search(r"\{\{ (of_|at_)?establishment \}\}", entry.html), entry.key
        if "generic_greeting" not in entry.cues:
            assert "{{ first_name }}" in entry.html, entry.key
        assert "{{ url }}" in entry.text
        assert 3 <= len(re.findall(r"[.!?](\s|$)", entry.lesson)) <= 6, entry.key
        assert "signalement" in entry.lesson, entry.key
        for part in (entry.subject, entry.html, entry.text):
            check_template(part)
        rendered = render_message(
            subject=entry.subject,
            html=entry.html,
            text=entry.text,
            context=preview_context(establishment="CH Test", from_name=entry.from_name),
        )
        assert "CH Test" in rendered.html


def test_starter_library_spans_the_difficulty_ratings() -> None:
    ratings = {difficulty(len(set(t.cues)), t.premise_alignment) for t in STARTER_TEMPLATES}
    assert ratings == {Difficulty.VERY, Difficulty.MODERATE, Difficulty.LEAST}


def test_starter_pages_post_a_sign_in_form_and_load_nothing_from_outside() -> None:
    assert len(STARTER_PAGES) >= 2
    for page in STARTER_PAGES:
        assert 'action="{{ submit_url }}"' in page.html
        assert 'method="post"' in page.html
        assert 'name="identifiant"' in page.html
        assert 'name="mot_de_passe"' in page.html
        assert not re.search(r"(src|href)=\"(https?:)?//", page.html), page.name
        assert "@import" not in page.html
        check_template(page.html)


@pytest.mark.django_db
def test_library_install_creates_once_with_difficulty_and_audit(
    establishment_a: Any, alice: Any
) -> None:
    created = library_install(establishment=establishment_a, actor=alice)
    assert created == len(STARTER_TEMPLATES) + len(STARTER_PAGES)
    voucher = EmailTemplate.objects.get(
        establishment=establishment_a, library_key="fr-gift-voucher"
    )
    assert voucher.difficulty == Difficulty.LEAST
    roster = EmailTemplate.objects.get(
        establishment=establishment_a, library_key="fr-roster-published"
    )
    assert roster.difficulty == Difficulty.VERY
    entry = AuditEntry.objects.get(verb="phishing.library.installed")
    assert entry.establishment == establishment_a
    assert library_install(establishment=establishment_a, actor=alice) == 0
    assert AuditEntry.objects.filter(verb="phishing.library.installed").count() == 1


@pytest.mark.django_db
def test_library_install_fills_only_the_gaps(
    establishment_a: Any, establishment_b: Any, alice: Any
) -> None:
    first = STARTER_TEMPLATES[0]
    EmailTemplateFactory(establishment=establishment_a, library_key=first.key, name="Renamed")
    EmailTemplateFactory(establishment=establishment_a, name=STARTER_TEMPLATES[1].name)
    LandingPageFactory(establishment=establishment_a, name=STARTER_PAGES[0].name)
    created = library_install(establishment=establishment_a, actor=alice)
    assert created == len(STARTER_TEMPLATES) - 2 + len(STARTER_PAGES) - 1
    assert not EmailTemplate.objects.filter(establishment=establishment_b).exists()
    assert not LandingPage.objects.filter(establishment=establishment_b).exists()
