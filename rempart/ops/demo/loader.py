"""Loading the demo region: the steps, in the order they happened.

About seven weeks of history, replayed through the real services with the clock moved back
(`clock.py`): the catalog snapshot imported, the region's scopes declared and scanned every
two weeks or so, phishing campaigns prepared, approved, sent, clicked and reported, webhooks
delivered (and one failing), the team's decisions on findings, a few jobs. Everything runs
in one transaction: a failure leaves the platform as it was. No step uses the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone, translation

from rempart.accounts.models import User
from rempart.audit.services import audit_record
from rempart.ops.demo import inventory, jobs, phishing, scans, watch, webhooks
from rempart.ops.demo.clock import Timeline
from rempart.ops.demo.region import Region, region_create
from rempart.tenancy.choices import OperatorRole
from rempart.tenancy.models import Establishment, Operator, OperatorAssignment

CATALOG_DAYS_AGO = 56


@dataclass(frozen=True)
class DemoAccounts:
    password: str
    emails: list[str]


def demo_needed() -> bool:
    """The demo loads only on a platform without member establishments yet."""
    return not Establishment.objects.filter(is_operator_own=False).exists()


@transaction.atomic
def demo_load(*, operator: Operator, snapshot: Path | None = jobs.SNAPSHOT) -> DemoAccounts:
    """Load the region and its history (`snapshot=None`: the catalog is already there)."""
    timeline = Timeline(timezone.now())
    admin = _administrator(operator)
    with translation.override("fr"):
        with timeline.at(CATALOG_DAYS_AGO + 4, 9):
            region = region_create(operator=operator)
        region.people["admin"] = admin
        if snapshot is not None:
            with timeline.at(CATALOG_DAYS_AGO, 8):
                jobs.catalog_import(actor=admin, snapshot=snapshot)
        _history(region, timeline, admin)
    emails = [user.email for key, user in region.people.items() if key != "admin"]
    audit_record(actor=None, verb="ops.demo.loaded", changes={"users": emails})
    return DemoAccounts(region.password, emails)


def _history(region: Region, timeline: Timeline, admin: User) -> None:
    places, people = region.places, region.people
    for slug, actor in ACTORS.items():
        scans.scopes_declare(establishment=places[slug], actor=people[actor], timeline=timeline)
    with timeline.at(45, 11):
        webhooks.endpoints_create(places=places, actor=people["rssi.ght"])
    for slug, actor in ACTORS.items():
        scans.scans_import(establishment=places[slug], actor=people[actor], timeline=timeline)
    phishing.campaigns_play(places=places, people=people, timeline=timeline)
    phishing.suspicious_reports(places=places, timeline=timeline)
    webhooks.deliveries_settle()
    watch.watch_load(people=people, places=places, timeline=timeline)
    scans.decisions_record(people=people, places=places, timeline=timeline)
    inventory.inventories_declare(places=places, people=people, actors=ACTORS, timeline=timeline)
    with timeline.at(6, 14):
        jobs.export_to_missing_key(actor=admin)
    with timeline.at(1, 3):
        jobs.audit_verify(actor=None)
    scans.report_ask(establishment=places["ch-boulogne"], actor=people["rssi.ght"])


# Who declares the scopes and imports the reports of each establishment.
ACTORS = {
    "ch-boulogne": "rssi.ght",
    "ch-nanterre": "rssi.ght",
    "hdj-suresnes": "rssi.ght",
    "ehpad-tilleuls": "direction.ehpad",
    "ehpad-glycines": "direction.ehpad",
    "operateur-si": "admin",
    "enrs": "admin",
}


def _administrator(operator: Operator) -> Any:
    """The operator's first administrator (created by `platform_setup` before the demo)."""
    assignment = (
        OperatorAssignment.objects.filter(operator=operator, role=OperatorRole.ADMIN)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if assignment is None:
        raise RuntimeError("the demo needs the operator's first administrator (rempart init)")
    return assignment.user
