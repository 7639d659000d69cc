"""The teachable-moment page, rendered on its own (the tracking view supplies the context)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from rempart.phishing.settings.library import CUES, cues_for

TEMPLATE = "phishing/teachable.html"


def _render(**overrides: Any) -> str:
    context: dict[str, Any] = {
        "establishment_name": "CH Alpha",
        "establishment_of": "of CH Alpha",
        "subject": "Votre boîte aux lettres a atteint 98 % de sa capacité",
        "from_name": "Service informatique",
        "cues": cues_for(["urgency", "link_mismatch"]),
        "lesson": "Le lien ne menait pas à la messagerie habituelle.",
        "report_address": "signalement@ch-alpha.example.fr",
        "training_assigned": False,
        "submitted": False,
    }
    context.update(overrides)
    with translation.override("en"):
        return render_to_string(TEMPLATE, context)


def test_page_says_it_was_a_simulation_without_blame() -> None:
    html = _render()
    assert "This was a phishing simulation" in html
    assert "CH Alpha" in html
    assert "security team" in html
    assert "nobody is being blamed" in html


def test_page_shows_the_email_cues_and_lesson() -> None:
    html = _render()
    assert "Votre boîte aux lettres a atteint 98 % de sa capacité" in html
    assert "Service informatique" in html
    for code in ("urgency", "link_mismatch"):
        label, explanation = CUES[code]
        assert str(label) in html.replace("&#x27;", "'")
        assert str(explanation).split("(")[0][:40] in html.replace("&#x27;", "'")
    assert str(CUES["threatening_language"][0]) not in html
    assert "Le lien ne menait pas à la messagerie habituelle." in html


def test_page_tells_what_to_do_next_time() -> None:
    html = _render()
    assert "signalement@ch-alpha.example.fr" in html
    assert "Never give your password" in html
    html = _render(report_address="")
    assert "reporting mailbox" in html


def test_submission_and_training_slots_are_optional() -> None:
    html = _render()
    assert "NOT recorded" not in html
    assert 'id="training"' not in html
    html = _render(submitted=True, training_assigned=True)
    assert "Your password was NOT recorded" in html
    assert "change it anyway" in html
    assert 'id="training"' in html


def test_page_is_standalone_and_escapes_what_it_shows() -> None:
    html = _render(subject="<script>alert(1)</script>", from_name="<b>x</b>")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html
    assert 'name="viewport"' in html
    for external in ("http://", "https://", '<link rel="stylesheet"', "<script"):
        assert external not in html


def test_page_renders_in_french_by_default() -> None:
    translation.deactivate()  # what an earlier request of this thread activated
    html = render_to_string(
        TEMPLATE,
        {
            "establishment_name": "CH Alpha",
            "establishment_of": "du CH Alpha",
            "subject": "s",
            "from_name": "f",
            "cues": [],
            "lesson": "",
            "report_address": "",
            "training_assigned": False,
            "submitted": False,
        },
    )
    assert '<html lang="fr">' in html
