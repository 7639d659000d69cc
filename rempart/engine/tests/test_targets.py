"""Targets, exclusions and the scope guard; the result schema; nmap XML parsing."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from rempart.engine.model import ResultFormatError, ScanResult
from rempart.engine.nmap import NmapParseError, parse_xml
from rempart.engine.ports import DEFAULT_TCP_SPEC, parse_spec
from rempart.engine.problems import Problem
from rempart.engine.targets import (
    AllowedSet,
    Perimeter,
    ScopeViolationError,
    TargetError,
    blocks,
    expand,
    expand_all,
    merged,
    problems,
    public_targets,
)

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    ("spec", "count", "first", "last"),
    [
        ("10.0.0.5", 1, "10.0.0.5", "10.0.0.5"),
        ("10.0.0.0/28", 14, "10.0.0.1", "10.0.0.14"),
        ("10.0.0.1-20", 20, "10.0.0.1", "10.0.0.20"),
        ("10.0.0.250-10.0.1.2", 9, "10.0.0.250", "10.0.1.2"),
        ("2001:db8::/126", 4, "2001:db8::", "2001:db8::3"),
        ("127.0.0.20-21", 2, "127.0.0.20", "127.0.0.21"),
    ],
)
def test_expand(spec: str, count: int, first: str, last: str) -> None:
    addresses = expand(spec)
    assert len(addresses) == count
    assert (str(addresses[0]), str(addresses[-1])) == (first, last)


@pytest.mark.parametrize(
    "spec", ["10.0.0.20-5", "10.0.0.0/8", "300.1.1.1", "", "a b", "host.invalid"]
)
def test_bad_targets_are_named(spec: str) -> None:
    with pytest.raises(TargetError) as caught:
        expand(spec)
    assert spec.strip() in str(caught.value) or "empty" in str(caught.value)


def test_exclusions_always_win_and_the_guard_refuses() -> None:
    allowed = AllowedSet.build(["127.0.0.0/29"], ["127.0.0.3", "127.0.0.5-6"])
    assert allowed.sorted() == ["127.0.0.1", "127.0.0.2", "127.0.0.4"]
    for address in ("127.0.0.3", "127.0.0.6", "127.0.0.9", "8.8.8.8", "not-an-ip"):
        with pytest.raises(ScopeViolationError):
            allowed.check(address)
    with pytest.raises(ScopeViolationError):
        allowed.tcp_connect("127.0.0.3", 9, 0.1)
    listener = socket.socket()
    listener.bind(("127.0.0.2", 0))
    listener.listen()
    with allowed.tcp_connect("127.0.0.2", listener.getsockname()[1], 1.0):
        pass
    listener.close()


def test_port_specs() -> None:
    assert parse_spec("22,80,8000-8002") == [22, 80, 8000, 8001, 8002]
    assert {104, 2575, 11112, 1883, 6379, 3389, 445, 9100, 502} <= set(parse_spec(DEFAULT_TCP_SPEC))
    with pytest.raises(ValueError, match="invalid port"):
        parse_spec("0,70000")


def test_result_schema_round_trip_and_errors() -> None:
    result = ScanResult(job_id="j", policy="standard", started_at="2026-11-28T10:00:00+00:00")
    assert ScanResult.from_dict(result.to_dict()).job_id == "j"
    broken = result.to_dict()
    broken["findings"] = [
        {
            "check": "x",
            "host": "127.0.0.1",
            "title": "t",
            "title_fr": "t",
            "severity": "apocalyptic",
            "confidence": "firm",
        }
    ]
    with pytest.raises(ResultFormatError, match=r"findings\[0\]: unknown severity"):
        ScanResult.from_dict(broken)
    with pytest.raises(ResultFormatError, match="schema version"):
        ScanResult.from_dict({**result.to_dict(), "schema_version": 99})
    with pytest.raises(ResultFormatError, match="not a JSON object"):
        ScanResult.from_dict([])


def test_nmap_xml_real_and_broken() -> None:
    run = parse_xml((DATA / "nmap-sv.xml").read_bytes(), source="nmap-sv.xml")
    assert run.version.startswith("7.")
    assert run.finished
    host = run.hosts[0]
    redis = host.service(6379)
    assert redis is not None
    assert redis.name == "redis"
    assert redis.version
    assert redis.cpe
    truncated = (DATA / "nmap-sv.xml").read_bytes()[:-400]
    with pytest.raises(NmapParseError) as cut:
        parse_xml(truncated, source="cut.xml")
    assert cut.value.problem.code == "nmap.not_xml"
    with pytest.raises(NmapParseError, match="truncated"):
        parse_xml(truncated, source="cut.xml")
    with pytest.raises(NmapParseError, match="not <nmaprun>"):
        parse_xml(b"<scan/>")
    with pytest.raises(NmapParseError, match="empty"):
        parse_xml(b"  ")
    with pytest.raises(NmapParseError, match="invalid port"):
        parse_xml(
            b'<nmaprun><host><address addr="10.0.0.1" addrtype="ipv4"/><ports>'
            b'<port protocol="tcp" portid="99999"><state state="open"/></port>'
            b"</ports></host></nmaprun>"
        )


def test_lines_are_merged_before_the_cap() -> None:
    # two /16 lines passed one by one, then broke the import that merged them
    assert [p.code for p in problems(["10.1.0.0/16", "10.2.0.0/16"])] == ["target.total_too_large"]
    assert problems(["10.1.0.0/16", "10.1.0.0/17", "10.1.128.0/17"]) == []
    with pytest.raises(TargetError) as caught:
        merged(["10.1.0.0/16", "10.2.0.0/24"])
    assert caught.value.problem == Problem("target.total_too_large", {"count": 65792, "max": 65536})


def test_repeated_lines_are_parsed_once() -> None:
    # 5,000 repeated /16 lines took 10 minutes and 4.7 GB when each was expanded
    specs = ["127.0.0.0/16"] * 5000
    assert len(merged(specs)) == 1
    assert len(expand_all(specs)) == 65534


def test_unresolved_names_and_impossible_addresses_are_refused_alike() -> None:
    for spec in ("999.1.1.1", "nothing-here.invalid"):
        with pytest.raises(TargetError) as caught:
            blocks(spec)
        assert caught.value.problem.code == "target.unresolved"
        assert caught.value.problem.params == {"target": spec}
    with pytest.raises(TargetError) as too_large:
        blocks("10.0.0.0/4")
    assert too_large.value.problem.code == "target.too_large"


def test_public_targets() -> None:
    assert public_targets(["10.0.0.0/8", "127.0.0.1", "192.168.1.0/24", "2001:db8::/64"]) == []
    assert public_targets(["10.0.0.1", "8.8.8.0/24", "9.255.255.254-10.0.0.1"]) == [
        "8.8.8.0/24",
        "9.255.255.254-10.0.0.1",
    ]


def test_perimeter_needs_no_expansion() -> None:
    perimeter = Perimeter(["10.0.0.0/8", "2001:db8::/32"], ["10.9.0.0/16"])
    assert "10.200.3.4" in perimeter
    assert "10.9.1.1" not in perimeter
    assert "2001:db8::1" in perimeter
    assert "11.0.0.1" not in perimeter
    assert "not an address" not in perimeter


@pytest.mark.parametrize(
    ("declaration", "code", "named"),
    [
        ('<!ENTITY boom "boom">', "nmap.entity_refused", "boom"),
        ('<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">', "nmap.entity_refused", "lol"),
        ('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "nmap.entity_refused", "xxe"),
    ],
)
def test_entity_declarations_are_refused_and_said_so(
    declaration: str, code: str, named: str
) -> None:
    document = (
        f'<?xml version="1.0"?><!DOCTYPE nmaprun [{declaration}]>'
        '<nmaprun version="7.93"><host><address addr="10.0.0.1" addrtype="ipv4"/></host>'
        "</nmaprun>"
    ).encode()
    with pytest.raises(NmapParseError) as caught:
        parse_xml(document, source="hostile.xml")
    assert caught.value.problem.code == code
    assert caught.value.problem.params["entity"] == named
    assert "possibly truncated" not in str(caught.value)
    assert "entity" in str(caught.value)


def test_nmap_reader_keeps_what_belongs_to_each_host() -> None:
    document = b"""<?xml version="1.0"?><!DOCTYPE nmaprun>
<nmaprun version="7.93"><scaninfo type="syn" protocol="tcp" services="22,80,443"/>
<hosthint><status state="up"/><address addr="10.0.0.9" addrtype="ipv4"/></hosthint>
<host><status state="up"/><address addr="10.0.0.1" addrtype="ipv4"/>
<address addr="00:11:22:33:44:55" addrtype="mac" vendor="Dell"/>
<hostnames><hostname name="pc-1.local" type="PTR"/></hostnames>
<ports><extraports state="closed" count="1"/>
<port protocol="tcp" portid="22"><state state="open"/><service name="ssh" product="OpenSSH"
 version="8.4p1" method="probed"><cpe>cpe:/a:openbsd:openssh:8.4p1</cpe></service>
<script id="x" output="y"><elem key="state">z</elem></script></port>
<port protocol="tcp" portid="80"><state state="closed"/></port>
<port protocol="tcp" portid="443"><state state="open"/></port></ports>
<os><osmatch name="Linux 5.X"><osclass><cpe>cpe:/o:linux:linux_kernel:5</cpe></osclass></osmatch>
<osmatch name="Linux 4.X"/></os></host>
<host><status state="down"/><address addr="10.0.0.2" addrtype="ipv4"/></host>
<runstats><finished exit="success"/></runstats></nmaprun>"""
    run = parse_xml(document, source="rich.xml")
    assert [h.address for h in run.hosts] == ["10.0.0.1"]
    assert run.hosts_down == ["10.0.0.2"]
    host = run.hosts[0]
    assert (host.mac, host.mac_vendor, host.hostnames) == (
        "00:11:22:33:44:55",
        "Dell",
        ["pc-1.local"],
    )
    assert host.os_guess == "Linux 5.X"
    ssh, https = host.services
    assert (ssh.port, ssh.name, ssh.product, ssh.cpe) == (
        22,
        "ssh",
        "OpenSSH",
        ["cpe:/a:openbsd:openssh:8.4p1"],
    )
    assert ssh.identified_by == "nmap"
    assert (https.port, https.name, https.cpe) == (443, "", [])
    assert run.finished
