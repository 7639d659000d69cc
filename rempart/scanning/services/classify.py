"""A first guess of an asset's class from what the scan saw; people can correct it."""

from __future__ import annotations

from collections.abc import Iterable

BIOMEDICAL_PORTS = {104, 11112, 4242, 2575, 6661, 2761, 2762}
PRINTER_PORTS = {9100, 515, 631}
BUILDING_PORTS = {502, 47808, 1883, 8883}
NETWORK_WORDS = ("cisco", "juniper", "fortinet", "fortigate", "aruba", "hp procurve", "mikrotik",
                 "routeros", "ios", "switch", "router", "palo alto", "stormshield")
PRINTER_WORDS = ("printer", "jetdirect", "laserjet", "xerox", "ricoh", "kyocera", "lexmark",
                 "brother", "canon")
BIOMEDICAL_WORDS = ("dicom", "pacs", "hl7", "modality", "philips", "siemens healthineers",
                    "ge healthcare", "carestream", "agfa")


def guess_class(ports: Iterable[int], texts: Iterable[str]) -> str:
    """server, network_core, workstation, biomedical, printer, iot_building or other."""
    port_set = set(ports)
    text = " ".join(t.lower() for t in texts if t)
    if port_set & BIOMEDICAL_PORTS or any(w in text for w in BIOMEDICAL_WORDS):
        return "biomedical"
    if port_set & PRINTER_PORTS or any(w in text for w in PRINTER_WORDS):
        return "printer"
    if port_set & BUILDING_PORTS and not port_set & {22, 80, 443, 3389, 445}:
        return "iot_building"
    if any(w in text for w in NETWORK_WORDS) or (port_set & {23, 161} and not port_set & {445}):
        return "network_core"
    if 3389 in port_set and port_set & {135, 139, 445} and "server" not in text:
        return "workstation"
    if port_set:
        return "server"
    return "other"
