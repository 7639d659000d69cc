"""The French legal kit of a campaign: staff notice, information-consultation of the staff
committee, and the record of processing (RGPD art. 30).

The documents are French legal texts (their body is content, not interface text). The
staff committee depends on the employer's regime: a private employer has a *comité social
et économique* (CSE, Code du travail L2312-38); a public health or medico-social
establishment has had a *comité social d'établissement* since 1 January 2023 (décret
n° 2021-1570). The regime is derived from the establishment's category, and for categories
that exist in both sectors (EHPAD, medico-social) from the legal entity's name; when it
cannot be told, the documents name both committees.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rempart.core.grammar import french_with
from rempart.phishing.choices import LegalBasis, ResultsMode
from rempart.phishing.models import Campaign, Recipient
from rempart.tenancy.choices import ContactRole, EstablishmentCategory
from rempart.tenancy.models import Contact

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from rempart.tenancy.models import Establishment

DOCUMENTS: dict[str, tuple[str, _StrPromise]] = {
    "notice": ("phishing/legal/notice.html", _("Staff information notice")),
    "consultation": ("phishing/legal/consultation.html", _("Staff committee consultation")),
    "record": ("phishing/legal/record.html", _("Record of processing activities")),
}

PUBLIC = "public"
PRIVATE = "private"
UNKNOWN = "unknown"
_PUBLIC_CATEGORIES = {EstablishmentCategory.CHU, EstablishmentCategory.CH}
_PRIVATE_CATEGORIES = {EstablishmentCategory.CLINIC, EstablishmentCategory.ESPIC}
_PUBLIC_NAME = re.compile(
    r"\b(centre hospitalier|chu|chr|ccas|cias|centre (inter)?communal d'action sociale|"
    r"[ée]tablissement public|epsms|epms|ehpad public|gcs de droit public)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Regime:
    key: str
    committee: str
    committee_short: str
    consultation_basis: str
    notice_basis: str


REGIMES = {
    PRIVATE: Regime(
        key=PRIVATE,
        committee="comité social et économique",
        committee_short="CSE",
        consultation_basis=(
            "article L2312-38 du Code du travail : le comité social et économique est informé "
            "et consulté, préalablement à la décision de mise en œuvre dans l'entreprise, sur "
            "les moyens ou les techniques permettant un contrôle de l'activité des salariés"
        ),
        notice_basis=(
            "à l'article L1222-4 du Code du travail, selon lequel aucune information "
            "concernant personnellement un salarié ne peut être collectée par un dispositif "
            "qui n'a pas été porté préalablement à sa connaissance"
        ),
    ),
    PUBLIC: Regime(
        key=PUBLIC,
        committee="comité social d'établissement",
        committee_short="CSE",
        consultation_basis=(
            "Code général de la fonction publique (articles L251-1 et suivants) et décret "
            "n° 2021-1570 du 3 décembre 2021 relatif aux comités sociaux d'établissement : le "
            "comité est consulté sur l'organisation et le fonctionnement des services et sur "
            "les projets d'introduction de nouvelles technologies ; par analogie avec "
            "l'article L2312-38 du Code du travail, il l'est avant toute mise en œuvre d'un "
            "dispositif permettant un contrôle de l'activité des agents"
        ),
        notice_basis=(
            "au principe de loyauté et aux articles 12 à 14 du RGPD, ainsi que, par analogie, "
            "à l'article L1222-4 du Code du travail, selon lequel aucune information "
            "concernant personnellement un agent ne peut être collectée par un dispositif qui "
            "n'a pas été porté préalablement à sa connaissance"
        ),
    ),
    UNKNOWN: Regime(
        key=UNKNOWN,
        committee=(
            "comité social et économique (établissement privé) ou comité social "
            "d'établissement (établissement public)"
        ),
        committee_short="CSE",
        consultation_basis=(
            "article L2312-38 du Code du travail (établissement privé) ; Code général de la "
            "fonction publique (articles L251-1 et suivants) et décret n° 2021-1570 du "
            "3 décembre 2021 (établissement public)"
        ),
        notice_basis=(
            "à l'article L1222-4 du Code du travail, selon lequel aucune information "
            "concernant personnellement un membre du personnel ne peut être collectée par un "
            "dispositif qui n'a pas été porté préalablement à sa connaissance"
        ),
    ),
}

PURPOSE = (
    "Sensibiliser le personnel à l'hameçonnage (phishing) par des campagnes d'hameçonnage "
    "simulé, mesurer de façon globale le niveau de vigilance de l'établissement et proposer "
    "une courte formation aux personnes qui ont cliqué, afin de renforcer la sécurité du "
    "système d'information et la protection des données des patients et des résidents."
)

LEGAL_BASES = {
    LegalBasis.PUBLIC_TASK: (
        "Exécution d'une mission d'intérêt public (RGPD, art. 6.1.e), en lien avec "
        "l'obligation de sécurité du traitement des données de santé (RGPD, art. 32)"
    ),
    LegalBasis.LEGITIMATE_INTEREST: (
        "Intérêt légitime de l'employeur à sécuriser son système d'information (RGPD, "
        "art. 6.1.f), en lien avec l'obligation de sécurité du traitement (RGPD, art. 32)"
    ),
}

RESULTS_PER_RECIPIENT = (
    "résultats {mode} par destinataire : envoi, ouverture, clic, envoi du formulaire "
    "(le seul fait de l'envoi et le nom des champs), signalement, formation suivie"
)
DATA_COLLECTED = (
    "identité professionnelle des destinataires (nom, prénom, adresse électronique "
    "professionnelle, service, famille de métier), utilisée uniquement pour l'envoi des "
    "messages",
    RESULTS_PER_RECIPIENT,
    "date et heure de chaque interaction, adresse réseau tronquée (jamais l'adresse "
    "complète) et navigateur utilisé (user agent), pour distinguer les clics humains des "
    "analyses automatiques des filtres de messagerie",
)
DATA_NEVER = (
    "Les valeurs saisies dans les formulaires (identifiants, mots de passe) ne sont jamais "
    "enregistrées, ni en base de données ni dans les journaux."
)
IDENTIFIED_MEASURE = (
    "résultats nominatifs seulement avec l'accord écrit et motivé du délégué à la protection "
    "des données ; leur consultation et leur export sont réservés aux référents SSI et au "
    "délégué à la protection des données de l'établissement et sont journalisés"
)
ANONYMOUS_RESULTS = (
    "résultats anonymes par message envoyé : envoi, ouverture, clic, envoi du formulaire "
    "(le seul fait de l'envoi et le nom des champs), signalement, formation suivie ; le lien "
    "entre la personne et ce résultat est supprimé dès l'envoi de son message"
)
ANONYMOUS_MEASURE = (
    "résultats anonymes : le lien entre une personne et son résultat est supprimé dès l'envoi "
    "de son message, si bien que personne, pas même avec un accès à la base de données, ne "
    "peut ensuite savoir qui a cliqué"
)
SECURITY_MEASURES = (
    "résultats pseudonymes par défaut ; lien entre une personne et son résultat supprimé à "
    "la date de fin de conservation",
    "aucun résultat individuel communiqué à l'encadrement ; statistiques par service "
    "masquées en dessous de 5 personnes",
    "valeurs saisies dans les formulaires jamais conservées ; adresses réseau tronquées",
    "accès à la plateforme réservé aux personnes habilitées, avec authentification, et "
    "journal d'audit de toutes les opérations",
    "mots de passe des serveurs de messagerie chiffrés ; plateforme hébergée par l'opérateur "
    "régional",
)
_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@dataclass(frozen=True)
class Population:
    name: str
    count: int


@dataclass(frozen=True)
class DpoContact:
    name: str
    email: str
    phone: str


def regime_of(establishment: Establishment) -> str:
    """`public`, `private` or `unknown` (both sectors possible and the name does not tell)."""
    if establishment.category in _PUBLIC_CATEGORIES:
        return PUBLIC
    if establishment.category in _PRIVATE_CATEGORIES:
        return PRIVATE
    names = f"{establishment.legal_entity_name} {establishment.name}"
    return PUBLIC if _PUBLIC_NAME.search(names) else UNKNOWN


def french_date(value: datetime.date | datetime.datetime | None) -> str:
    """`1er mars 2026`; an aware datetime is read in local time; empty for None."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {_MONTHS[value.month - 1]} {value.year}"


def populations(campaign: Campaign) -> list[Population]:
    groups = campaign.groups.annotate(size=Count("recipients")).order_by("name")
    return [Population(name=group.name, count=group.size) for group in groups]


def population_total(campaign: Campaign) -> int:
    """Distinct addresses over the campaign's groups (a person in two groups counts once)."""
    recipients = Recipient.objects.for_establishment(campaign.establishment)
    return recipients.filter(group__campaigns=campaign).values("email").distinct().count()


def dpo_contact(establishment: Establishment) -> DpoContact | None:
    contact = (
        Contact.objects.for_establishment(establishment)
        .filter(role=ContactRole.DPO)
        .order_by("full_name")
        .first()
    )
    if contact is None:
        return None
    return DpoContact(name=contact.full_name, email=contact.email, phone=contact.phone)


def data_collected(*, identified: bool, anonymous: bool = False) -> tuple[str, ...]:
    if anonymous:
        return tuple(ANONYMOUS_RESULTS if i == RESULTS_PER_RECIPIENT else i for i in DATA_COLLECTED)
    mode = "nominatifs" if identified else "pseudonymes"
    return tuple(item.format(mode=mode) for item in DATA_COLLECTED)


def security_measures(*, identified: bool, anonymous: bool = False) -> tuple[str, ...]:
    if anonymous:
        return (ANONYMOUS_MEASURE, *SECURITY_MEASURES[1:])
    return (*SECURITY_MEASURES, IDENTIFIED_MEASURE) if identified else SECURITY_MEASURES


def recipients_of_data(
    establishment: Establishment, *, identified: bool = False, anonymous: bool = False
) -> list[str]:
    operator = establishment.operator.name
    reads = (
        "qui consulte les résultats nominatifs approuvés par le délégué à la protection des "
        "données (chaque consultation est journalisée)"
        if identified
        else f"qui ne consulte que des résultats {'anonymes' if anonymous else 'pseudonymes'} "
        "ou agrégés"
    )
    return [
        "l'équipe chargée de la sécurité des systèmes d'information "
        f"{french_with('de', establishment.name)} (référent SSI, RSSI), {reads}",
        "le délégué à la protection des données (DPO) de l'établissement",
        f"{operator}, opérateur régional qui héberge la plateforme Rempart, en qualité de "
        "sous-traitant (RGPD, art. 28)",
    ]


def schedule(campaign: Campaign) -> dict[str, str]:
    days = sorted(set(campaign.weekdays or []))
    return {
        "launch": french_date(campaign.launch_at),
        "send_by": french_date(campaign.send_by),
        "weekdays": ", ".join(_WEEKDAYS[day] for day in days if 0 <= day < len(_WEEKDAYS)),
        "hours": f"{campaign.hour_start} h et {campaign.hour_end} h",
        "holidays": "hors jours fériés"
        if campaign.skip_public_holidays
        else "jours fériés compris",
    }


def legal_context(campaign: Campaign) -> dict[str, Any]:
    """Everything the three documents show, computed from the campaign and its establishment."""
    establishment = campaign.establishment
    identified = campaign.mode == ResultsMode.IDENTIFIED
    anonymous = campaign.mode == ResultsMode.ANONYMOUS
    return {
        "campaign": campaign,
        "establishment": establishment,
        "of_establishment": french_with("de", establishment.name),
        "regime": REGIMES[regime_of(establishment)],
        "purpose": PURPOSE,
        "legal_basis": LEGAL_BASES.get(LegalBasis(campaign.legal_basis), ""),
        "populations": populations(campaign),
        "population_total": population_total(campaign),
        "identified": identified,
        "anonymous": anonymous,
        "identified_approved_on": french_date(campaign.identified_approved_at),
        "data_collected": data_collected(identified=identified, anonymous=anonymous),
        "data_never": DATA_NEVER,
        "security_measures": security_measures(identified=identified, anonymous=anonymous),
        "retention_until": french_date(campaign.retention_until),
        "recipients_of_data": recipients_of_data(
            establishment, identified=identified, anonymous=anonymous
        ),
        "dpo": dpo_contact(establishment),
        "schedule": schedule(campaign),
        "staff_informed_on": french_date(campaign.staff_informed_on),
        "cse_consulted_on": french_date(campaign.cse_consulted_on),
        "generated_on": french_date(timezone.localdate()),
        "documents": DOCUMENTS,
    }
