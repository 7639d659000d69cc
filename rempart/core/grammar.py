"""An establishment's name after a French preposition: « de » and « à » take the article the
name needs and contract with it.

"l'équipe sécurité de EHPAD Les Tilleuls" and "déployé à CH Alpha" are not French: an
establishment's name usually starts with a common noun (CH, EHPAD, Clinique, Hôpital…) that
takes an article — du CH Alpha, de l'EHPAD Les Tilleuls, de la Clinique du Parc, des Hospices
civils, au CH Alpha, à l'EHPAD… A name that starts with its own article contracts with the
preposition (Le Vinatier → du Vinatier, Les Tilleuls → des Tilleuls); a proper name takes
none, « de » elided before a vowel or a mute h (d'Annecy). The first word decides, from the
nouns establishments are named with; an unknown one is taken as a proper name.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from django.utils.translation import get_language, pgettext


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# First words that take « le » (masculine), « la » (feminine) or « les » (plural); a word
# starting with a vowel or a mute h takes « l' » whatever its gender.
MASCULINE = _words(
    "ch chu chr chru chi chs chd chic chg gh ght ghu cms cmp cmpp csapa ssr sih gcs gip centre "
    "groupe groupement pôle pole foyer cabinet laboratoire réseau reseau service syndicat siège "
    "siege dispositif sanatorium"
)
FEMININE = _words(
    "clinique polyclinique maison résidence residence fondation mutualité mutualite mutuelle "
    "communauté communaute direction agence cité cite pharmacie pouponnière pouponniere"
)
PLURAL = _words("hôpitaux hopitaux hospices hospitaliers")
WITH_ARTICLE = (
    MASCULINE
    | FEMININE
    | PLURAL
    | _words(
        "ehpad ehpa usld ifsi ifas esat esms ime itep institut établissement etablissement "
        "hôpital hopital hôtel-dieu hotel-dieu unité unite association espace office"
    )
)
ARTICLES = frozenset(("le", "la", "les"))
ELIDED = "l'"
VOWELS = "aeiouyh"  # a mute h, as in hôpital, hospice, hôtel
# (preposition, article) → the contracted form, followed by the name
CONTRACTED = {
    ("de", "le"): "du ",
    ("de", "la"): "de la ",
    ("de", "les"): "des ",
    ("de", "l'"): "de l'",
    ("à", "le"): "au ",
    ("à", "la"): "à la ",
    ("à", "les"): "aux ",
    ("à", "l'"): "à l'",
}


def _plain(word: str) -> str:
    """Lower case, accents kept (the word lists hold both spellings where it matters)."""
    return word.lower().strip(".,;:")


def _starts_with_vowel(word: str) -> bool:
    first = unicodedata.normalize("NFD", word[:1].lower())[:1]
    return bool(first) and first in VOWELS


@lru_cache(maxsize=512)
def french_with(preposition: str, name: str) -> str:
    """`name` after « de » or « à » (`preposition`), in correct French."""
    name = " ".join(name.split())
    first, _space, rest = name.partition(" ")
    key = _plain(first)
    if key[:2] in ("l'", "l\u2019"):  # the name's own elided article: L'Hôpital du Parc
        return CONTRACTED[(preposition, ELIDED)] + name[2:]
    if key in ARTICLES and rest:  # its own article: Le Vinatier, Les Tilleuls
        return CONTRACTED[(preposition, key)] + rest
    if key in WITH_ARTICLE:
        return CONTRACTED[(preposition, _article(key))] + name
    if preposition == "de" and _starts_with_vowel(key):
        return f"d'{name}"
    return f"{preposition} {name}"


def _article(word: str) -> str:
    """The definite article of a common noun (lower case)."""
    if word in PLURAL:
        return "les"
    if _starts_with_vowel(word):
        return ELIDED
    return "la" if word in FEMININE else "le"


def of_establishment(name: str) -> str:
    """ "of <name>" in the active language: « du CH Alpha », « de l'EHPAD Les Tilleuls » in
    French."""
    if (get_language() or "fr").startswith("fr"):
        return french_with("de", name)
    return pgettext("of an establishment", "of %(name)s") % {"name": name}


def at_establishment(name: str) -> str:
    """ "at <name>" in the active language: « au CH Alpha », « à l'EHPAD Les Tilleuls »."""
    if (get_language() or "fr").startswith("fr"):
        return french_with("à", name)
    return pgettext("at an establishment", "at %(name)s") % {"name": name}
