"""The starter library: NIST Phish Scale cues, detection difficulty, and the French e-mails
and landing pages an establishment can install in one go.

The cue catalogue and the difficulty table follow the NIST Phish Scale (Steves, Greene,
Theofanos, "Categorizing human phishing difficulty: a Phish Scale", Journal of
Cybersecurity, 2020). The scale counts the cues a recipient could notice and weighs them
against how well the lure's premise fits the recipients' work: few cues and a well-aligned
premise make an e-mail very difficult to detect. A template's `cues` lists cue codes; the
count used is the number of codes listed (each code once per template).

The starter content itself (French, fictitious senders, no real brand or organisation) is
in `library_content.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rempart.audit.services import audit_record
from rempart.phishing.choices import Difficulty, PremiseAlignment
from rempart.phishing.models import EmailTemplate, LandingPage
from rempart.phishing.settings.library_content import (
    STARTER_PAGES,
    STARTER_TEMPLATES,
    StarterPage,
    StarterTemplate,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from rempart.tenancy.models import Establishment

__all__ = [
    "CUES",
    "CUE_CATEGORIES",
    "STARTER_PAGES",
    "STARTER_TEMPLATES",
    "cues_for",
    "difficulty",
    "library_install",
]

# code → (label, what to look for). Grouped by the Phish Scale's categories (CUE_CATEGORIES).
CUES: dict[str, tuple[_StrPromise, _StrPromise]] = {
    # Errors
    "spelling_grammar": (
        _("Spelling and grammar mistakes"),
        _(
            "Typos, clumsy phrasing or wrong accents. Messages from your establishment's "
            "services are usually proofread; a sloppy text is a warning sign."
        ),
    ),
    "inconsistency": (
        _("Inconsistencies"),
        _(
            "Details that do not fit together: a sender who signs with another name, a date "
            "or a service that does not exist, a request that contradicts the usual procedure."
        ),
    ),
    # Technical indicators
    "attachment_type": (
        _("Unexpected or risky attachment"),
        _(
            "An attachment you were not expecting, or a file type that can run code (.zip, "
            ".html, .exe, documents asking to enable macros)."
        ),
    ),
    "display_name_mismatch": (
        _("Sender name and address do not match"),
        _(
            "The displayed name looks official, but the actual address behind it belongs to "
            "another domain or to a personal mailbox. Check the full address, not just the name."
        ),
    ),
    "link_mismatch": (
        _("Misleading link"),
        _(
            "The text of the link does not match where it really goes. Hover over the link "
            "(or press and hold on a phone) to see the real address before clicking."
        ),
    ),
    "domain_spoofing": (
        _("Look-alike domain"),
        _(
            "A domain name that imitates your establishment's or a known service's, with a "
            "letter changed, added or swapped, or an extra word (e.g. -securite, -support)."
        ),
    ),
    # Visual presentation
    "branding": (
        _("Imitated branding or logo"),
        _(
            "A logo, colours or a signature copied to look official, sometimes slightly off or "
            "out of date. Branding is easy to copy and proves nothing."
        ),
    ),
    "unprofessional_design": (
        _("Unprofessional design"),
        _(
            "Poor layout, mismatched fonts, blurry images or odd colours that your "
            "establishment's services would not use."
        ),
    ),
    "security_indicators": (
        _("Fake security indicators"),
        _(
            "Padlocks, shields, 'verified' badges or 'scanned by antivirus' mentions placed in "
            "the message to reassure you. Anyone can paste such icons into an e-mail."
        ),
    ),
    # Language and content
    "legal_language": (
        _("Legal language or disclaimers"),
        _(
            "Copyright notices, confidentiality disclaimers or references to regulations added "
            "to look serious or to intimidate."
        ),
    ),
    "distracting_detail": (
        _("Distracting details"),
        _(
            "Extra details (reference numbers, figures, names) that draw your attention away "
            "from what really matters: who is asking, and what they are asking you to do."
        ),
    ),
    "generic_greeting": (
        _("Generic greeting"),
        _(
            "'Dear user', 'Dear colleague': the sender does not seem to know who you are, "
            "although a real service would."
        ),
    ),
    "no_signer": (
        _("No identifiable signer"),
        _(
            "No name, no direct phone number, no way to check who wrote the message: only a "
            "vague service name."
        ),
    ),
    "requests_sensitive_info": (
        _("Request for sensitive information"),
        _(
            "You are asked for a password, a PIN code, bank details or personal data. Your "
            "establishment's services never ask for your password, by e-mail or on a page "
            "reached from an e-mail."
        ),
    ),
    "urgency": (
        _("Sense of urgency"),
        _(
            "'Within 24 hours', 'immediately', 'last reminder': pressure is applied so that you "
            "act before thinking. Urgency is a reason to slow down and check."
        ),
    ),
    "threatening_language": (
        _("Threatening language"),
        _(
            "Threats of suspension, deletion, loss of pay or sanctions if you do not act. "
            "Real services warn in advance and offer another way to settle things."
        ),
    ),
    # Common tactics
    "humanitarian_appeal": (
        _("Humanitarian or charitable appeal"),
        _(
            "An appeal to generosity or solidarity (a fundraising, a colleague in difficulty) "
            "that plays on good feelings to lower your guard."
        ),
    ),
    "too_good_to_be_true": (
        _("Too good to be true"),
        _(
            "A gift, a bonus, a refund or a prize you did not expect. If it seems too good to be "
            "true, it probably is."
        ),
    ),
    "youre_special": (
        _("You have been specially selected"),
        _(
            "The message says you were chosen, drawn or singled out. Flattery is used to make "
            "you act without checking."
        ),
    ),
    "limited_time_offer": (
        _("Limited-time offer"),
        _(
            "An offer that expires very soon or is limited to the first people to answer, so "
            "that you do not take the time to check it."
        ),
    ),
    "mimics_business_process": (
        _("Imitates a work process"),
        _(
            "The message copies something you do at work (a roster, a payslip, a shared "
            "document, a stock check). Familiar processes are the most convincing lures: check "
            "through the usual channel rather than through the link."
        ),
    ),
    "poses_as_authority": (
        _("Poses as a colleague or an authority"),
        _(
            "The sender claims to be a colleague, a manager, the IT department or an official "
            "body, so that you do not question the request."
        ),
    ),
    "emotional_appeal": (
        _("Plays on emotions"),
        _(
            "Curiosity, fear, worry about your health or your pay: strong emotions make people "
            "click first and think afterwards."
        ),
    ),
}

CUE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "errors": ("spelling_grammar", "inconsistency"),
    "technical": ("attachment_type", "display_name_mismatch", "link_mismatch", "domain_spoofing"),
    "visual": ("branding", "unprofessional_design", "security_indicators"),
    "language": (
        "legal_language",
        "distracting_detail",
        "generic_greeting",
        "no_signer",
        "requests_sensitive_info",
        "urgency",
        "threatening_language",
    ),
    "tactics": (
        "humanitarian_appeal",
        "too_good_to_be_true",
        "youre_special",
        "limited_time_offer",
        "mimics_business_process",
        "poses_as_authority",
        "emotional_appeal",
    ),
}

FEW_CUES_MAX = 8
SOME_CUES_MAX = 14
# NIST Phish Scale, table of detection difficulty: cue band → premise alignment → rating.
_DIFFICULTY_TABLE: dict[str, dict[str, Difficulty]] = {
    "few": {
        PremiseAlignment.HIGH: Difficulty.VERY,
        PremiseAlignment.MEDIUM: Difficulty.VERY,
        PremiseAlignment.LOW: Difficulty.MODERATE,
    },
    "some": {
        PremiseAlignment.HIGH: Difficulty.VERY,
        PremiseAlignment.MEDIUM: Difficulty.MODERATE,
        PremiseAlignment.LOW: Difficulty.LEAST,
    },
    "many": {
        PremiseAlignment.HIGH: Difficulty.MODERATE,
        PremiseAlignment.MEDIUM: Difficulty.LEAST,
        PremiseAlignment.LOW: Difficulty.LEAST,
    },
}


def _cue_band(cue_count: int) -> str:
    if cue_count <= FEW_CUES_MAX:
        return "few"
    if cue_count <= SOME_CUES_MAX:
        return "some"
    return "many"


def difficulty(cue_count: int, alignment: str) -> str:
    """The Phish Scale rating (a `Difficulty` value) of `cue_count` cues under a premise of
    `alignment` (a `PremiseAlignment` value). No cue at all counts as few cues."""
    if cue_count < 0:
        raise ValueError("cue_count must not be negative")
    try:
        return str(_DIFFICULTY_TABLE[_cue_band(cue_count)][PremiseAlignment(alignment)])
    except ValueError as error:
        raise ValueError(f"unknown premise alignment: {alignment!r}") from error


def cues_for(codes: list[str]) -> list[tuple[str, str]]:
    """(label, explanation) of the known cues among `codes`, in order, each once."""
    seen: set[str] = set()
    result = []
    for code in codes:
        if code in CUES and code not in seen:
            seen.add(code)
            label, explanation = CUES[code]
            result.append((str(label), str(explanation)))
    return result


def starter_difficulty(entry: StarterTemplate) -> str:
    return difficulty(len(set(entry.cues)), entry.premise_alignment)


@transaction.atomic
def library_install(*, establishment: Establishment, actor: Any) -> int:
    """Create the starter templates and pages the establishment does not have yet (by library
    key for templates, by name for both, since names are unique); return how many."""
    templates = [
        _template_create(establishment, entry) for entry in _missing_templates(establishment)
    ]
    pages = [_page_create(establishment, entry) for entry in _missing_pages(establishment)]
    if templates or pages:
        audit_record(
            actor=actor,
            verb="phishing.library.installed",
            target=establishment,
            establishment=establishment,
            changes={
                "templates": [template.library_key for template in templates],
                "pages": [page.name for page in pages],
            },
        )
    return len(templates) + len(pages)


def _missing_templates(establishment: Establishment) -> list[StarterTemplate]:
    existing = EmailTemplate.objects.for_establishment(establishment)
    keys = set(existing.exclude(library_key="").values_list("library_key", flat=True))
    names = set(existing.values_list("name", flat=True))
    return [e for e in STARTER_TEMPLATES if e.key not in keys and e.name not in names]


def _missing_pages(establishment: Establishment) -> list[StarterPage]:
    names = set(LandingPage.objects.for_establishment(establishment).values_list("name", flat=True))
    return [entry for entry in STARTER_PAGES if entry.name not in names]


def _template_create(establishment: Establishment, entry: StarterTemplate) -> EmailTemplate:
    return EmailTemplate.objects.create(
        establishment=establishment,
        library_key=entry.key,
        name=entry.name,
        from_name=entry.from_name,
        subject=entry.subject,
        html=entry.html,
        text=entry.text,
        cues=list(entry.cues),
        premise_alignment=entry.premise_alignment,
        difficulty=starter_difficulty(entry),
        lesson=entry.lesson,
    )


def _page_create(establishment: Establishment, entry: StarterPage) -> LandingPage:
    return LandingPage.objects.create(establishment=establishment, name=entry.name, html=entry.html)
