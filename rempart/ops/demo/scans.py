"""The demo's vulnerability detection: scopes, weeks of nmap reports, people's decisions.

Every call into the scanning app is in this module (its services only), so that a move of
those services is fixed in one place.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rempart.ops.demo.clock import Timeline
from rempart.ops.demo.network import NETWORKS, Network, hosts_at
from rempart.ops.demo.nmapxml import nmap_xml
from rempart.scanning.choices import FindingStatus
from rempart.scanning.models import Finding, Scope
from rempart.scanning.services.findings import (
    finding_accept_risk,
    finding_assign,
    finding_comment,
    finding_mark_false_positive,
)
from rempart.scanning.services.imports import report_import
from rempart.scanning.services.reports import report_request
from rempart.scanning.services.scopes import authorisation_record, exclusion_add, scoped_save


def scopes_declare(*, establishment: Any, actor: Any, timeline: Timeline) -> None:
    """The establishment's scopes, signed authorisation and one exclusion, before its scans."""
    network = NETWORKS[establishment.slug]
    with timeline.at(network.days_ago[0] + 3, 9.5) as moment:
        for name, targets in network.scopes.items():
            scope = scoped_save(
                actor=actor,
                instance=Scope(establishment=establishment, name=name, targets=targets),
            )
            authorisation_record(
                actor=actor,
                scope=scope,
                authorised_by=f"Direction générale — {establishment.name}",
                authorised_on=moment.date(),
                valid_until=moment.date() + dt.timedelta(days=365),
                notes="Autorisation annuelle signée (démonstration).",
            )
        if establishment.slug == "ch-boulogne":
            exclusion_add(
                actor=actor,
                establishment=establishment,
                target="10.92.40.99",
                reason="Automate de biologie fragile : jamais scanné (consigne du fournisseur).",
            )


def scans_import(*, establishment: Any, actor: Any, timeline: Timeline) -> int:
    """One nmap report per scan day, imported as a user would, at that day's time."""
    network = NETWORKS[establishment.slug]
    for index, days_ago in enumerate(network.days_ago):
        with timeline.at(days_ago, 21.5) as moment:
            report_import(
                establishment=establishment,
                data=_report(network, index, moment),
                filename=f"nmap-{establishment.slug}-{moment:%Y%m%d}.xml",
                actor=actor,
            )
    return len(network.days_ago)


def _report(network: Network, index: int, moment: dt.datetime) -> bytes:
    machines = hosts_at(network, index)
    seen = {m.address for m in machines}
    down = [m.address for m in network.machines if m.address not in seen]
    return nmap_xml(machines, started=moment - dt.timedelta(minutes=25), down=down)


def _finding(establishment: Any, address: str, port: int) -> Finding | None:
    """The most urgent open finding on that service (None if the catalog matched nothing)."""
    return (
        Finding.objects.filter(
            establishment=establishment, asset__address=address, port=port, status__in=_ACTIVE
        )
        .order_by("-priority", "-severity", "pk")
        .first()
    )


_ACTIVE = [FindingStatus.NEW, FindingStatus.OPEN, FindingStatus.REOPENED]


def decisions_record(*, people: dict[str, Any], places: dict[str, Any], timeline: Timeline) -> None:
    """What the security team decided on the findings: an accepted risk on the PACS, a false
    positive on a Red Hat server, assignments and comments."""
    boulogne, nanterre = places["ch-boulogne"], places["ch-nanterre"]
    referent, contributor = people["rssi.ght"], people["contributeur.nanterre"]
    with timeline.at(3, 11) as moment:
        pacs = _finding(boulogne, "10.92.40.10", 443)
        if pacs is not None:
            finding_accept_risk(
                finding=pacs,
                actor=referent,
                reason=(
                    "Le fournisseur du PACS ne valide pas de mise à jour de nginx avant la "
                    "version 8 du logiciel (prévue au 2e trimestre). Flux limités au VLAN "
                    "biomédical en attendant."
                ),
                until=moment.date() + dt.timedelta(days=90),
            )
        cache = _finding(boulogne, "10.92.10.55", 6379)
        if cache is not None:
            finding_assign(finding=cache, actor=referent, assignee=referent)
            finding_comment(
                finding=cache,
                actor=referent,
                text="Rouvert après l'intervention du prestataire du laboratoire : "
                "refermer le port 6379 et mettre Redis à jour.",
            )
    with timeline.at(2, 15):
        redhat = _finding(nanterre, "10.93.10.12", 22)
        if redhat is not None:
            finding_mark_false_positive(
                finding=redhat,
                actor=contributor,
                reason="Paquet openssh-8.0p1-19.el8_8 de Red Hat : le correctif est "
                "rétroporté (RHSA-2024:4312), la version affichée ne change pas.",
            )
        web = _finding(nanterre, "10.93.10.20", 8080)
        if web is not None:
            finding_assign(finding=web, actor=people["rssi.ght"], assignee=contributor)


def report_ask(*, establishment: Any, actor: Any) -> Any:
    """The PDF report of the last eight weeks, asked for now: its job waits for the worker,
    which writes it once `rempart run` has started."""
    return report_request(establishment=establishment, actor=actor, weeks=8)
