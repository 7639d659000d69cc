"""A tiny catalog built from real records' applicability, for matching tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from rempart.threatwatch.models import CpeMatch, Cve


def cve(
    cve_id: str,
    *,
    cvss: float | None = 7.5,
    kev: bool = False,
    epss: float | None = None,
    state: str = "published",
    title: str = "",
) -> Cve:
    return Cve.objects.create(
        cve_id=cve_id,
        cvss_score=cvss,
        known_exploited=kev,
        epss=epss,
        state=state,
        title=title,
        published=timezone.now() - dt.timedelta(days=30),
    )


def rule(record: Cve, vendor: str, product: str, **fields: Any) -> CpeMatch:
    fields.setdefault("source", "nvd")
    return CpeMatch.objects.create(cve=record, vendor=vendor, product=product, **fields)


def real_catalog() -> None:
    """Applicability as published for a few well-known CVEs."""
    regression = cve(
        "CVE-2024-6387",
        cvss=8.1,
        kev=False,
        epss=0.508,
        title="regreSSHion: signal handler race in sshd",
    )
    rule(regression, "openbsd", "openssh", end_excluding="4.4")
    rule(regression, "openbsd", "openssh", start_including="8.6", end_excluding="9.8")
    traversal = cve("CVE-2021-41773", cvss=7.5, kev=True, epss=0.944)
    rule(traversal, "apache", "http_server", version="2.4.49")
    nginx = cve("CVE-2022-41741", cvss=7.8)
    rule(nginx, "f5", "nginx", start_including="1.1.3", end_excluding="1.22.1")
    rule(nginx, "f5", "nginx", start_including="1.23.0", end_excluding="1.23.2")
    cna = cve("CVE-2024-22396", cvss=5.3)
    rule(
        cna,
        "sonicwall",
        "sonicos",
        source="cve5-cna",
        start_including="0",
        end_including="7.1.1-7047",
        version_type="custom",
    )
    semver = cve("CVE-2099-0001", cvss=9.8)
    rule(
        semver,
        "example",
        "widget",
        source="cve5-adp",
        start_including="1.0.0",
        end_excluding="1.4.2",
        version_type="semver",
    )
    rejected = cve("CVE-2099-0002", state="rejected")
    rule(rejected, "apache", "http_server", version="2.4.49")
    platform = cve("CVE-2099-0003", cvss=6.1)
    rule(
        platform,
        "apache",
        "http_server",
        start_including="2.4.0",
        end_excluding="2.4.60",
        running_on=["cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"],
    )
