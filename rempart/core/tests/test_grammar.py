"""An establishment's name after « de » and « à », in Python and in templates."""

from __future__ import annotations

import html

import pytest
from django.template import Context, Template
from django.utils import translation

from rempart.core.grammar import at_establishment, of_establishment


@pytest.mark.parametrize(
    ("name", "of", "at"),
    [
        ("EHPAD Les Tilleuls", "de l'EHPAD Les Tilleuls", "à l'EHPAD Les Tilleuls"),
        ("CH Alpha", "du CH Alpha", "au CH Alpha"),
        ("Clinique du Parc", "de la Clinique du Parc", "à la Clinique du Parc"),
        ("Annecy Santé", "d'Annecy Santé", "à Annecy Santé"),
        ("Les Glycines", "des Glycines", "aux Glycines"),
    ],
)
def test_french_elision_and_contraction(name: str, of: str, at: str) -> None:
    with translation.override("fr"):
        assert of_establishment(name) == of
        assert at_establishment(name) == at


def test_template_filters() -> None:
    template = Template(
        "{% load rempart %}Équipe {{ name|of_establishment }}, déployé {{ name|at_establishment }}"
    )
    with translation.override("fr"):
        text = html.unescape(template.render(Context({"name": "EHPAD Démo <b>Les Tilleuls"})))
    assert text == "Équipe de l'EHPAD Démo <b>Les Tilleuls, déployé à l'EHPAD Démo <b>Les Tilleuls"
    with translation.override("en"):
        assert (
            Template("{% load rempart %}{{ n|of_establishment }}").render(
                Context({"n": "CH Alpha"})
            )
            == "of CH Alpha"
        )
