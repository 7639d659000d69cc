"""The demo's declared inventories and the regional software catalogue.

The regional team curates a catalogue of common hospital software; the referents declare
what runs in their establishments (business software, infrastructure, security tooling),
most of it picked from the catalogue, through the inventory's own services (audited). Some
declared versions are affected by CVEs of the demo's catalog snapshot (Tomcat, Elasticsearch,
Exim), a remote-access tool is older than the catalogue supports, and the scans saw remote
desktops nobody declared: the inventory pages show all three.
"""

from __future__ import annotations

from typing import Any

from rempart.ops.demo.clock import Timeline
from rempart.threatwatch.inventory.models import CatalogueProduct, DeclaredProduct
from rempart.threatwatch.inventory.services import catalogue_product_save, declared_product_save

# (category, name, supplier, CPE vendor, CPE product, remote access, oldest supported)
CATALOGUE: list[tuple[str, str, str, str, str, bool, str]] = [
    ("patient_record", "Hôpital Manager", "Softway Medical", "", "", False, ""),
    ("patient_record", "DxCare", "Dedalus", "", "", False, ""),
    ("imaging", "Carestream Vue PACS", "Carestream", "", "", False, ""),
    ("laboratory", "GLIMS", "CliniSys", "", "", False, ""),
    ("pharmacy", "Pharma", "Computer Engineering", "", "", False, ""),
    ("billing", "Magh2", "Maincare Solutions", "", "", False, ""),
    ("hr", "Agirh", "Cpage", "", "", False, ""),
    (
        "infrastructure",
        "Apache Tomcat",
        "Apache Software Foundation",
        "apache",
        "tomcat",
        False,
        "9.0",
    ),
    ("infrastructure", "Elasticsearch", "Elastic", "elastic", "elasticsearch", False, "7.17"),
    ("infrastructure", "Exim", "Exim", "exim", "exim", False, ""),
    ("infrastructure", "VMware ESXi", "Broadcom", "vmware", "esxi", False, "7.0"),
    ("remote_access", "TeamViewer", "TeamViewer", "teamviewer", "teamviewer", True, "15.0"),
    ("remote_access", "AnyDesk", "AnyDesk Software", "anydesk", "anydesk", True, "8.0"),
    ("remote_access", "FortiClient VPN", "Fortinet", "fortinet", "forticlient", True, "7.0"),
    ("firewall", "FortiGate (FortiOS)", "Fortinet", "fortinet", "fortios", False, "7.0"),
    (
        "edr",
        "Microsoft Defender for Endpoint",
        "Microsoft",
        "microsoft",
        "defender_for_endpoint",
        False,
        "",
    ),
    (
        "backup",
        "Veeam Backup & Replication",
        "Veeam",
        "veeam",
        "backup_\\&_replication",
        False,
        "11",
    ),
]

# establishment slug → [(catalogue name or None, name, category, version, notes)]
DECLARATIONS: dict[str, list[tuple[str | None, str, str, str, str]]] = {
    "ch-boulogne": [
        ("Hôpital Manager", "", "", "2023.2", "Dossier patient informatisé de tous les pôles."),
        ("Carestream Vue PACS", "", "", "12.2", ""),
        ("GLIMS", "", "", "9.3", ""),
        ("Apache Tomcat", "Tomcat du portail patients", "", "9.0.98", "Hébergé en DMZ."),
        ("Elasticsearch", "", "", "7.10.2", "Recherche dans les comptes rendus."),
        ("TeamViewer", "", "", "12.0.2", "Utilisé par le prestataire du PACS."),
        ("FortiGate (FortiOS)", "", "", "7.2.8", ""),
        ("Microsoft Defender for Endpoint", "", "", "", ""),
        ("Veeam Backup & Replication", "", "", "12.1", "Copie hors ligne hebdomadaire."),
    ],
    "ch-nanterre": [
        ("DxCare", "", "", "8.5", ""),
        ("Pharma", "", "", "5.8", ""),
        ("Magh2", "", "", "2022", ""),
        ("Exim", "Relais de messagerie", "", "4.94", ""),
        ("VMware ESXi", "", "", "6.7", "Migration vers la 8.0 prévue."),
        ("FortiClient VPN", "", "", "7.2.0", "Accès des astreintes."),
        (None, "Sophos Endpoint", "edr", "2023.2", ""),
    ],
    "ehpad-tilleuls": [
        (None, "Titan", "patient_record", "6.4", "Dossier de soins de l'EHPAD."),
        ("AnyDesk", "", "", "7.1.0", "Installé par l'éditeur du logiciel de soins."),
        ("Agirh", "", "", "2.10", ""),
    ],
}


def catalogue_create(*, actor: Any) -> dict[str, CatalogueProduct]:
    """The regional catalogue, by the operator's administrator."""
    entries = {}
    for category, name, supplier, vendor, product, remote, oldest in CATALOGUE:
        entry = CatalogueProduct(
            category=category,
            name=name,
            supplier=supplier,
            cpe_vendor=vendor,
            cpe_product=product,
            remote_access=remote,
            oldest_supported=oldest,
        )
        entries[name] = catalogue_product_save(instance=entry, actor=actor)
    return entries


def inventories_declare(
    *, places: dict[str, Any], people: dict[str, Any], actors: dict[str, str], timeline: Timeline
) -> None:
    """Each establishment's referent declares its inventory, a few days apart."""
    catalogue = catalogue_create(actor=people["admin"])
    for days_ago, (slug, lines) in zip((20, 18, 15), DECLARATIONS.items(), strict=True):
        with timeline.at(days_ago, 15):
            for entry_name, name, category, version, notes in lines:
                entry = catalogue.get(entry_name or "")
                product = DeclaredProduct(
                    establishment=places[slug],
                    catalogue=entry,
                    name=name or (entry.name if entry else ""),
                    category=category or (entry.category if entry else "other"),
                    version=version,
                    notes=notes,
                )
                declared_product_save(instance=product, actor=people[actors[slug]])
