"""A first guess of an asset's class from what the scan saw; people can correct it."""

from __future__ import annotations

from collections.abc import Iterable

BIOMEDICAL_PORTS = {104, 11112, 4242, 2575, 6661, 2761, 2762}
PRINTER_PORTS = {9100, 515, 631}
BUILDING_PORTS = {502, 47808, 1883, 8883}
NETWORK_WORDS = (
    "cisco",
    "juniper",
    "fortinet",
    "fortigate",
    "aruba",
    "hp procurve",
    "mikrotik",
    "routeros",
    "ios",
    "switch",
    "router",
    "palo alto",
    "stormshield",
)
PRINTER_WORDS = (
    "printer",
    "jetdirect",
    "laserjet",
    "xerox",
    "ricoh",
    "kyocera",
    "lexmark",
    "brother",
    "canon",
)
BIOMEDICAL_WORDS = (
    "dicom",
    "pacs",
    "hl7",
    "modality",
    "philips",
    "siemens healthineers",
    "ge healthcare",
    "carestream",
    "agfa",
)


WORKSTATION_PORTS = {3389}
WINDOWS_PORTS = {135, 139, 445}


def guess_class(ports: Iterable[int], texts: Iterable[str]) -> str:
    """server, network_core, workstation, biomedical, printer, iot_building or other."""
    port_set = set(ports)
    text = " ".join(t.lower() for t in texts if t)
    rules = [
        ("biomedical", bool(port_set & BIOMEDICAL_PORTS) or _any(BIOMEDICAL_WORDS, text)),
        ("printer", bool(port_set & PRINTER_PORTS) or _any(PRINTER_WORDS, text)),
        (
            "iot_building",
            bool(port_set & BUILDING_PORTS) and not port_set & {22, 80, 443, 3389, 445},
        ),
        (
            "network_core",
            _any(NETWORK_WORDS, text)
            or bool(port_set & {23, 161} and not port_set & WINDOWS_PORTS),
        ),
        (
            "workstation",
            bool(port_set & WORKSTATION_PORTS and port_set & WINDOWS_PORTS)
            and "server" not in text,
        ),
        ("server", bool(port_set)),
    ]
    return next((name for name, matched in rules if matched), "other")


def _any(words: tuple[str, ...], text: str) -> bool:
    return any(word in text for word in words)
