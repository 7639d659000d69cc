"""Default port sets: the common TCP ports plus what hospital networks expose."""

from __future__ import annotations

# Common services (a subset of nmap's most frequent TCP ports) …
COMMON_TCP = [
    21,
    22,
    23,
    25,
    53,
    80,
    81,
    88,
    110,
    111,
    135,
    139,
    143,
    389,
    443,
    445,
    465,
    514,
    515,
    548,
    587,
    631,
    636,
    873,
    993,
    995,
    1080,
    1194,
    1723,
    2049,
    2121,
    3000,
    3128,
    3268,
    3389,
    4443,
    5000,
    5060,
    5061,
    5357,
    5432,
    5555,
    5800,
    5900,
    5901,
    5985,
    5986,
    6000,
    6443,
    7001,
    7443,
    8000,
    8008,
    8009,
    8080,
    8081,
    8088,
    8181,
    8443,
    8888,
    9000,
    9090,
    9443,
    10000,
]
# … and hospital networks: DICOM, HL7 MLLP, MQTT, databases and caches, remote access,
# SMB, printers, building and industrial protocols.
HEALTHCARE_TCP = [
    104,
    11112,
    4242,
    2575,
    6661,
    1883,
    8883,
    1433,
    1521,
    3306,
    5432,
    6379,
    9200,
    11211,
    27017,
    22,
    23,
    3389,
    5900,
    139,
    445,
    9100,
    502,
    47808,
    2761,
    2762,
    623,
]
DEFAULT_UDP = [161, 623, 69, 5060, 47808]
DISCOVERY_TCP = [22, 80, 135, 139, 443, 445, 3389, 104, 8080]


def spec(ports: list[int]) -> str:
    """An nmap port specification from a list (sorted, without duplicates)."""
    return ",".join(str(p) for p in sorted(set(ports)))


DEFAULT_TCP_SPEC = spec(COMMON_TCP + HEALTHCARE_TCP)
DEFAULT_UDP_SPEC = spec(DEFAULT_UDP)


def parse_spec(text: str) -> list[int]:
    """Ports of an nmap-style specification (`22,80,8000-8010`); raises ValueError."""
    ports: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        low, _, high = part.partition("-")
        start, end = int(low), int(high or low)
        if not 0 < start <= end < 65536:  # noqa: PLR2004
            raise ValueError(f"invalid port range {part!r}")
        ports.update(range(start, end + 1))
    if not ports:
        raise ValueError("no port")
    return sorted(ports)
