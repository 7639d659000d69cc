"""The scan engine against the network lab (tests/lab): real daemons with planted weaknesses.

- one `standard` scan of the whole lab, then, per host and per check, the findings must be
  exactly the planted ones (`(check, port, key)`); hardened hosts raise nothing above `low`;
  a check not yet in the registry is an expected failure, computed at collection;
- an excluded host is never sent a packet (tcpdump in its namespace and a recording
  listener), and the scope guard refuses every connection outside the allowed set, whatever
  check asks for it;
- the lab's helpers that change a host between two scans really fix and re-plant a weakness.

Needs root (network namespaces) and the lab's Debian packages (`tools/system-deps.sh test`);
skipped otherwise.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from typing import Any

import pytest

from rempart.engine.checks import REGISTRY, CheckContext, load_all
from rempart.engine.model import SEVERITIES, Finding, Host, ScanJob, ScanResult, Service
from rempart.engine.nmap import parse_xml
from rempart.engine.runner import run_scan
from rempart.engine.targets import AllowedSet, ScopeViolationError
from tests.lab.daemons import DECOY_TCP_PORTS, DECOY_UDP_PORTS
from tests.lab.fixtures import lab  # noqa: F401  (the session fixture)
from tests.lab.hosts import HOSTS
from tests.lab.lab import Lab

logger = logging.getLogger(__name__)
LAB = [pytest.mark.lab, pytest.mark.xdist_group("lab")]


def _implemented() -> set[str]:
    """Check ids in the registry at collection time (a broken check module does not hide
    the others: the scan itself will report it)."""
    with contextlib.suppress(Exception):
        load_all()
    return set(REGISTRY)


IMPLEMENTED = _implemented()
PLANTED_HOSTS = [h for h in HOSTS if h.in_scan and not h.hardened]
HARDENED_HOSTS = [h.name for h in HOSTS if h.in_scan and h.hardened]


def _case(host: str, check: str) -> Any:
    marks = list(LAB)
    if check not in IMPLEMENTED:
        marks.append(pytest.mark.xfail(strict=False, reason=f"check {check} not implemented yet"))
    return pytest.param(host, check, marks=marks, id=f"{host}-{check}")


PLANTED_CASES = [
    _case(spec.name, check)
    for spec in PLANTED_HOSTS
    for check in sorted({expected[0] for expected in spec.expected})
]


def _triples(findings: list[Finding]) -> set[tuple[str, int | None, str]]:
    return {(f.check, f.port, f.key) for f in findings}


def _on(result: ScanResult, address: str) -> list[Finding]:
    return [f for f in result.findings if f.host == address]


@pytest.fixture(scope="module")
def lab_scan(lab: Lab) -> ScanResult:  # noqa: F811
    """One `standard` scan of every lab host but the decoy (the lab CA trusted)."""
    job = ScanJob(
        targets=tuple(lab.scanned_hosts.values()),
        policy="standard",
        job_id="lab-full",
        check_options=lab.check_options,
    )
    started = time.monotonic()
    result = run_scan(job)
    logger.warning(
        "lab scan: %.1f s, %d findings, status %s (lab startup %.1f s)",
        time.monotonic() - started,
        len(result.findings),
        result.status,
        lab.startup_s,
    )
    return result


# --- the full scan ----------------------------------------------------------------------------


@pytest.mark.lab
@pytest.mark.xdist_group("lab")
def test_scan_completes_and_sees_every_host(lab: Lab, lab_scan: ScanResult) -> None:  # noqa: F811
    assert lab_scan.status == "completed", lab_scan.error
    assert set(lab_scan.coverage.hosts_up) == set(lab.scanned_hosts.values())
    crashed = [c for c in lab_scan.coverage.checks if c["status"] != "ok"]
    assert not crashed, f"checks that raised: {crashed}"


@pytest.mark.parametrize(("host", "check"), PLANTED_CASES)
def test_planted_weakness_is_found_exactly(
    lab: Lab,  # noqa: F811
    lab_scan: ScanResult,
    host: str,
    check: str,
) -> None:
    expected = {e for e in lab.expected[host] if e[0] == check}
    found = [f for f in _on(lab_scan, lab.hosts[host]) if f.check == check]
    assert _triples(found) == expected, "\n".join(
        f"{f.check} {f.port} {f.key!r} {f.severity}: {f.evidence[:200]}" for f in found
    )


@pytest.mark.lab
@pytest.mark.xdist_group("lab")
@pytest.mark.parametrize("host", [h.name for h in PLANTED_HOSTS])
def test_no_finding_beyond_the_planted_ones(lab: Lab, lab_scan: ScanResult, host: str) -> None:  # noqa: F811
    planted_checks = {e[0] for e in lab.expected[host]}
    extra = [f for f in _on(lab_scan, lab.hosts[host]) if f.check not in planted_checks]
    assert not extra, "\n".join(
        f"{f.check} {f.port} {f.key!r} {f.severity}: {f.evidence[:200]}" for f in extra
    )


@pytest.mark.lab
@pytest.mark.xdist_group("lab")
@pytest.mark.parametrize("host", HARDENED_HOSTS)
def test_hardened_host_raises_nothing_above_low(lab: Lab, lab_scan: ScanResult, host: str) -> None:  # noqa: F811
    address = lab.hosts[host]
    services = {s.port for h in lab_scan.hosts if h.address == address for s in h.services}
    assert {22, 443, 6379} <= services  # the scan really looked at the hardened services
    low = SEVERITIES.index("low")
    above = [f for f in _on(lab_scan, address) if SEVERITIES.index(f.severity) > low]
    assert not above, "\n".join(
        f"{f.check} {f.port} {f.key!r} {f.severity}: {f.evidence[:200]}" for f in above
    )


# --- scope: exclusions and the guard ----------------------------------------------------------


def _marker_contact(address: str) -> float:
    """Touch the decoy ourselves after the scan: proves the capture and the recorder live."""
    stamp = time.time()
    with socket.create_connection((address, 80), timeout=3):
        pass
    time.sleep(0.3)
    return stamp


@pytest.mark.lab
@pytest.mark.xdist_group("lab")
def test_excluded_host_is_never_sent_a_packet(lab: Lab) -> None:  # noqa: F811
    first, second = lab.addresses("decoy")
    neighbour = lab.hosts["pacs"]
    job = ScanJob(
        targets=(neighbour, first),  # one of the decoy's addresses is a target…
        exclusions=(first, second),  # …and the decoy (both addresses) is excluded
        policy="standard",
        job_id="lab-exclusion",
    )
    with lab.capture("decoy") as capture:
        start = time.time()
        result = run_scan(job)
        end = time.time()
        marker = _marker_contact(first)
    assert result.status == "completed", result.error
    assert result.coverage.hosts_up == [neighbour]  # the scan did run, next door
    assert first not in result.coverage.hosts_targeted
    assert not [f for f in result.findings if f.host in (first, second)]
    assert capture.packets_between(start, end) == []
    assert capture.packets_between(marker, time.time()), "the capture saw nothing at all"
    during = [c for c in lab.contacts("decoy") if start <= c["time"] <= end]
    assert during == []
    assert [c for c in lab.contacts("decoy") if c["time"] >= marker]


@pytest.mark.lab
@pytest.mark.xdist_group("lab")
def test_scope_guard_refuses_every_connection_outside_the_allowed_set(lab: Lab) -> None:  # noqa: F811
    decoy = lab.hosts["decoy"]
    allowed = AllowedSet.build([lab.hosts["pacs"]], [])
    context = CheckContext(allowed=allowed, timeout=2.0, options=lab.check_options)
    services = [Service(port=p, protocol="tcp") for p in DECOY_TCP_PORTS]
    services += [Service(port=p, protocol="udp") for p in DECOY_UDP_PORTS]
    target = Host(address=decoy, services=services)
    refused = 0
    with lab.capture("decoy") as capture:
        start = time.time()
        with pytest.raises(ScopeViolationError):
            allowed.tcp_connect(decoy, 80, 2)
        with pytest.raises(ScopeViolationError):
            allowed.udp_socket(decoy, 161, 2)
        # Every registered check, on every decoy port, as if the decoy had been found: the
        # guard must stop each of them before a packet leaves (a check may raise the
        # violation or swallow it as an OSError: either way nothing may reach the decoy).
        for check in REGISTRY.values():
            for service in target.services:
                if service.protocol != check.protocol:
                    continue
                try:
                    findings = check.run(context, target, service)
                except ScopeViolationError:
                    refused += 1
                    continue
                except Exception:  # noqa: S112  (a check's own failure is not the point here)
                    continue
                assert findings == [], f"{check.id} reported a finding out of scope"
        end = time.time()
        marker = _marker_contact(decoy)
    assert capture.packets_between(start, end) == []
    assert capture.packets_between(marker, time.time()), "the capture saw nothing at all"
    assert [c for c in lab.contacts("decoy") if start <= c["time"] <= end] == []
    logger.warning("scope guard: %d check runs raised ScopeViolationError", refused)


# --- the lab's helpers: fixing and re-planting a weakness -------------------------------------


def _redis_findings(lab: Lab) -> set[tuple[str, int | None, str]]:  # noqa: F811
    job = ScanJob(targets=(lab.hosts["web"],), tcp_ports="6379", udp_ports="", job_id="lab-redis")
    result = run_scan(job)
    assert result.status == "completed", result.error
    return {t for t in _triples(result.findings) if t[0] == "redis.no-auth"}


@pytest.mark.lab
@pytest.mark.xdist_group("lab")
def test_fixing_then_replanting_redis_auth(lab: Lab) -> None:  # noqa: F811
    assert _redis_findings(lab) == {("redis.no-auth", 6379, "")}
    lab.redis_set_password()
    try:
        assert _redis_findings(lab) == set()
    finally:
        lab.redis_clear_password()
    assert _redis_findings(lab) == {("redis.no-auth", 6379, "")}


@pytest.mark.lab
@pytest.mark.xdist_group("lab")
def test_stopping_and_restarting_a_host(lab: Lab) -> None:  # noqa: F811
    address = lab.hosts["pacs"]
    job = ScanJob(targets=(address,), tcp_ports="104,2575,11112", udp_ports="", job_id="lab-stop")
    lab.stop_host("pacs")
    try:
        stopped = run_scan(job)
        assert stopped.status == "completed"
        assert not [s for h in stopped.hosts for s in h.services]
        assert not stopped.findings
    finally:
        lab.start_host("pacs")
    again = run_scan(job)
    assert {s.port for h in again.hosts for s in h.services} == {104, 2575, 11112}


# --- a parser regression the lab exposed (no lab needed) -------------------------------------


def test_a_service_name_with_spaces_is_not_kept_as_a_name() -> None:
    """nmap 7.93's mqtt-subscribe writes the broker version into the service name."""
    xml = """<?xml version="1.0"?><nmaprun version="7.93"><host><status state="up"/>
      <address addr="10.213.1.2" addrtype="ipv4"/><ports><port protocol="tcp" portid="1883">
      <state state="open"/><service name="mosquitto version 2.0.11" method="probed"/></port>
      </ports></host><runstats><finished exit="success"/></runstats></nmaprun>"""
    service = parse_xml(xml).hosts[0].services[0]
    assert (service.name, service.product) == ("", "mosquitto version 2.0.11")
