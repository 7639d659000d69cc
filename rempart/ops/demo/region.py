"""A small demo region, loaded the first time `rempart run` starts on an empty platform.

One GHT with three establishments, two care homes outside it, the operator's own IT and
the regional platform it hosts, and one user for each role. Numbers are fictitious but
valid FINESS numbers; e-mail addresses use the reserved `.test` domain.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password

from rempart.accounts.models import User
from rempart.accounts.services import email_verified_record
from rempart.tenancy.choices import ContactRole, EstablishmentCategory, MemberRole, OperatorRole
from rempart.tenancy.models import (
    Contact,
    Establishment,
    EstablishmentGroup,
    Membership,
    Operator,
    OperatorAssignment,
    Site,
)

DOMAIN = "demo.rempart.test"
GHT_CODE = "ght-seine-ouest"

ESTABLISHMENTS: list[dict[str, Any]] = [
    {
        "slug": "ch-boulogne",
        "name": "Centre hospitalier Démo de Boulogne",
        "finess_et": "920001013",
        "finess_ej": "920001005",
        "category": EstablishmentCategory.CH,
        "city": "Boulogne-Billancourt",
        "postal_code": "92100",
        "ght": True,
        "require_mfa": True,
    },
    {
        "slug": "ch-nanterre",
        "name": "Centre hospitalier Démo de Nanterre",
        "finess_et": "920002011",
        "finess_ej": "920003019",
        "category": EstablishmentCategory.CH,
        "city": "Nanterre",
        "postal_code": "92000",
        "ght": True,
    },
    {
        "slug": "hdj-suresnes",
        "name": "Hôpital de jour Démo de Suresnes",
        "finess_et": "920001021",
        "finess_ej": "920001005",
        "category": EstablishmentCategory.ESPIC,
        "city": "Suresnes",
        "postal_code": "92150",
        "ght": True,
    },
    {
        "slug": "ehpad-tilleuls",
        "name": "EHPAD Démo Les Tilleuls",
        "finess_et": "950004010",
        "finess_ej": "950004002",
        "category": EstablishmentCategory.EHPAD,
        "city": "Cergy",
        "postal_code": "95000",
    },
    {
        "slug": "ehpad-glycines",
        "name": "EHPAD Démo Les Glycines",
        "finess_et": "950005017",
        "finess_ej": "950004002",
        "category": EstablishmentCategory.EHPAD,
        "city": "Pontoise",
        "postal_code": "95300",
    },
    {
        "slug": "operateur-si",
        "name": "Système d'information de l'opérateur",
        "finess_et": "750006017",
        "finess_ej": "750006009",
        "category": EstablishmentCategory.OPERATOR,
        "city": "Paris",
        "postal_code": "75014",
        "is_operator_own": True,
    },
    {
        "slug": "enrs",
        "name": "Espace numérique régional de santé (ENRS)",
        "finess_et": "750007015",
        "finess_ej": "750006009",
        "category": EstablishmentCategory.OPERATOR,
        "city": "Paris",
        "postal_code": "75014",
        "is_operator_own": True,
    },
]

# (e-mail local part, full name, {establishment slug: role})
MEMBERS: list[tuple[str, str, dict[str, str]]] = [
    (
        "rssi.ght",
        "Camille Martin (RSSI du GHT)",
        {
            "ch-boulogne": MemberRole.REFERENT,
            "ch-nanterre": MemberRole.REFERENT,
            "hdj-suresnes": MemberRole.REFERENT,
        },
    ),
    ("dpo.boulogne", "Inès Bernard (DPO)", {"ch-boulogne": MemberRole.DPO}),
    ("contributeur.nanterre", "Hugo Petit (technicien)", {"ch-nanterre": MemberRole.CONTRIBUTOR}),
    ("lecteur.boulogne", "Léa Durand (direction)", {"ch-boulogne": MemberRole.VIEWER}),
    (
        "direction.ehpad",
        "Paul Moreau (directeur EHPAD)",
        {"ehpad-tilleuls": MemberRole.REFERENT, "ehpad-glycines": MemberRole.REFERENT},
    ),
]


@dataclass
class Region:
    """What the region step created: establishments and people by key, the shared password."""

    password: str
    group: EstablishmentGroup
    places: dict[str, Establishment] = field(default_factory=dict)
    people: dict[str, User] = field(default_factory=dict)


def region_create(*, operator: Operator) -> Region:
    """The GHT, its establishments and the other members, and one account per role."""
    group = EstablishmentGroup.objects.create(
        operator=operator, name="GHT Démo Seine-Ouest", code=GHT_CODE
    )
    region = Region(password=secrets.token_urlsafe(9), group=group)
    existing = {e.slug: e for e in Establishment.objects.filter(is_operator_own=True)}
    for spec in ESTABLISHMENTS:
        slug = spec["slug"]
        region.places[slug] = existing.get(slug) or _establishment(operator, group, spec)
    group.support_establishment = region.places["ch-boulogne"]
    group.save(update_fields=["support_establishment"])
    # One hash for the shared password: the production hasher costs most of a second each.
    hashed = make_password(region.password)
    region.people["analyste"] = _analyst(operator, group, hashed)
    for local, name, roles in MEMBERS:
        user = _user(f"{local}@{DOMAIN}", name, hashed)
        email_verified_record(user)
        for slug, role in roles.items():
            Membership.objects.create(user=user, establishment=region.places[slug], role=role)
        region.people[local] = user
    return region


def _establishment(
    operator: Operator, group: EstablishmentGroup, spec: dict[str, Any]
) -> Establishment:
    fields = {k: v for k, v in spec.items() if k != "ght"}
    establishment = Establishment(
        operator=operator,
        group=group if spec.get("ght") else None,
        street="1 rue de la Démo",
        **fields,
    )
    establishment.full_clean()
    establishment.save()
    Site.objects.create(
        establishment=establishment,
        name=f"Site principal — {spec['city']}",
        city=spec["city"],
        postal_code=spec["postal_code"],
    )
    for role, label in (
        (ContactRole.DIRECTOR, "Direction"),
        (ContactRole.CISO, "RSSI"),
        (ContactRole.DPO, "DPO"),
        (ContactRole.ON_CALL, "Astreinte"),
    ):
        Contact.objects.create(
            establishment=establishment,
            role=role,
            full_name=f"{label} {spec['city']}",
            email=f"{role}.{spec['slug']}@{DOMAIN}",
        )
    return establishment


def _user(email: str, full_name: str, hashed_password: str) -> User:
    user = User.objects.create_user(email=email, full_name=full_name)
    user.password = hashed_password
    user.save(update_fields=["password"])
    return user


def _analyst(operator: Operator, group: EstablishmentGroup, hashed_password: str) -> User:
    user = _user(f"analyste@{DOMAIN}", "Sam Leroy (analyste régional)", hashed_password)
    assignment = OperatorAssignment.objects.create(
        user=user, operator=operator, role=OperatorRole.ANALYST, all_establishments=False
    )
    assignment.groups.add(group)
    email_verified_record(user)
    return user


def accounts_table() -> list[tuple[str, str, str]]:
    """(login, role, establishments) of every demo account, for the README and the console."""
    names = {spec["slug"]: spec["name"] for spec in ESTABLISHMENTS}
    rows = [(f"analyste@{DOMAIN}", str(OperatorRole.ANALYST.label), "GHT Démo Seine-Ouest")]
    for local, _name, roles in MEMBERS:
        labels = {str(MemberRole(role).label) for role in roles.values()}
        rows.append(
            (f"{local}@{DOMAIN}", ", ".join(sorted(labels)), ", ".join(names[s] for s in roles))
        )
    return rows
