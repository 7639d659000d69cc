"""Version comparison per scheme, on version strings taken from real records."""

from __future__ import annotations

import pytest

from rempart.threatwatch.versions import compare, in_range

# (lower, higher, scheme): every pair is ordered lower < higher.
ORDERED = [
    ("9.2p1", "9.3p1", "generic"),  # OpenSSH
    ("9.7p1", "9.8", "generic"),  # CVE-2024-6387 fixed in 9.8p1 (NVD: < 9.8)
    ("9.8", "9.8p1", "generic"),
    ("8.5p1", "8.6", "generic"),
    ("1.1.1", "1.1.1w", "generic"),  # OpenSSL letter releases
    ("1.1.1w", "1.1.1za", "generic"),
    ("1.0.2a", "1.0.2k", "generic"),
    ("3.0.7", "3.0.13", "generic"),
    ("15.2(4)M", "15.2(4)M10", "cisco"),  # Cisco IOS trains
    ("15.2(4)M10", "15.2(5)", "cisco"),
    ("15.1(4)M12a", "15.2(4)M", "cisco"),
    ("7.0.12", "7.0.13", "generic"),  # FortiOS
    ("7.2.4", "7.4.0", "generic"),
    ("10.2.0.6-32sv", "10.2.0.10-28sv", "generic"),  # SonicOS
    ("2.4.49", "2.4.50", "generic"),  # Apache httpd
    ("2.4.9", "2.4.49", "generic"),
    ("10.1.0-M17", "10.1.0", "generic"),  # Tomcat milestones
    ("9.0.0.M1", "9.0.0", "generic"),
    ("1.2.3-rc.1", "1.2.3", "semver"),
    ("1.2.3-alpha", "1.2.3-beta", "semver"),
    ("2.0b1", "2.0", "generic"),
    ("2023-06-01", "2023-11-15", "generic"),  # date versions
    ("20230601", "20231115", "generic"),
    ("5.7.44", "8.0.0", "generic"),  # MySQL
    ("10.11.6", "10.11.19", "generic"),  # MariaDB
    ("7.0.15", "7.2.4", "generic"),  # Redis
    ("v7.2.4", "7.2.5", "generic"),
]


@pytest.mark.parametrize(("lower", "higher", "scheme"), ORDERED)
def test_order(lower: str, higher: str, scheme: str) -> None:
    assert compare(lower, higher, scheme) == -1  # type: ignore[arg-type]
    assert compare(higher, lower, scheme) == 1  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("left", "right"), [("1.0", "1.0.0"), ("V2.4.1", "2.4.1"), ("1.2.3+build5", "1.2.3")]
)
def test_equal(left: str, right: str) -> None:
    scheme = "semver" if "+" in left else "generic"
    assert compare(left, right, scheme) == 0  # type: ignore[arg-type]


def test_ranges_from_real_records() -> None:
    # CVE-2024-6387 (NVD): 8.6 <= openssh < 9.8
    assert in_range("9.2p1", start_including="8.6", end_excluding="9.8")
    assert not in_range("9.8p1", start_including="8.6", end_excluding="9.8")
    assert not in_range("8.5p1", start_including="8.6", end_excluding="9.8")
    # CVE-2021-41773 (Apache httpd 2.4.49 only)
    assert in_range("2.4.49", exact="2.4.49")
    assert not in_range("2.4.50", exact="2.4.49")
    # CVE5 lessThanOrEqual (SonicOS)
    assert in_range("7.1.1-7040", start_including="0", end_including="7.1.1-7047")
    # an unbounded "*" criterion matches every version; no bound and no "*" matches nothing
    assert in_range("1.0", exact="*")
    assert not in_range("1.0")


@pytest.mark.parametrize(("lower", "higher", "scheme"), ORDERED)
def test_sort_key_agrees_with_compare(lower: str, higher: str, scheme: str) -> None:
    from rempart.threatwatch.versions import sort_key

    assert sort_key(lower, scheme) < sort_key(higher, scheme)  # type: ignore[arg-type]
