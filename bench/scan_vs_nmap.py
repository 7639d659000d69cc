"""Rempart's default scan vs `nmap -sV` + the NSE scripts that look for the same weaknesses,
on the network lab (tests/lab), in one run.

    sudo .venv/bin/python -m bench.scan_vs_nmap [--json results.json]

Starts the lab, runs Rempart's `standard` scan of every lab host (the exclusion decoy
aside), then one nmap command over the same hosts and the same ports, and prints a Markdown
report: wall time of each, which planted weakness each reported, and what each raised on the
hardened host. nmap has no verdicts: its output is read with the rules in `NMAP_RULES`,
which say *found* when a script states the weakness and *inferred* when only a reader who
knows what to look for would conclude it (an expiry date in the past, a service name).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from defusedxml import ElementTree

from rempart.engine import nmap, runner
from rempart.engine.model import SEVERITIES, ScanJob, ScanResult
from rempart.engine.ports import DEFAULT_TCP_SPEC, DEFAULT_UDP_SPEC
from rempart.engine.runner import Progress, run_scan
from tests.lab.lab import Lab

NSE_SCRIPTS = (
    "ftp-anon",
    "telnet-encryption",
    "snmp-info",
    "snmp-brute",
    "ssl-enum-ciphers",
    "ssl-cert",
    "http-ls",
    "redis-info",
    "smb-protocols",
    "smb2-security-mode",
    "smb-enum-shares",
    "mysql-empty-password",
    "memcached-info",
    "mqtt-subscribe",
    "dicom-ping",
    "rdp-enum-encryption",
    "vnc-info",
    "ssh2-enum-algos",
)
# The communities Rempart's SNMP check tries, given to snmp-brute (snmp-info tries "public").
SNMP_COMMUNITIES = (
    "public",
    "private",
    "community",
    "manager",
    "admin",
    "cisco",
    "snmp",
    "write",
    "secret",
)


# --- nmap's output ---------------------------------------------------------------------------


@dataclass
class NmapPort:
    name: str = ""
    product: str = ""
    tunnel: str = ""
    method: str = ""  # "probed": nmap identified it; "table": a guess from the port number
    scripts: dict[str, str] = field(default_factory=dict)

    def identified_as(self, name: str) -> bool:
        return self.method == "probed" and name in self.name.lower()


@dataclass
class NmapHost:
    ports: dict[int, NmapPort] = field(default_factory=dict)
    host_scripts: dict[str, str] = field(default_factory=dict)
    done_at_s: float = 0.0  # seconds from nmap's start until this host was finished

    def script(self, port: int | None, script_id: str) -> str:
        found = self.ports.get(port or 0, NmapPort()).scripts.get(script_id, "")
        return found or self.host_scripts.get(script_id, "")


def parse_nmap(xml: bytes) -> dict[str, NmapHost]:
    root = ElementTree.fromstring(xml)
    start = float(root.get("start", "0"))
    hosts: dict[str, NmapHost] = {}
    for element in root.iter("host"):
        address = next(
            (a.get("addr", "") for a in element.findall("address") if a.get("addrtype") == "ipv4"),
            "",
        )
        host = NmapHost(done_at_s=float(element.get("endtime", start)) - start)
        for port in element.findall("ports/port"):
            state = port.find("state")
            if state is None or state.get("state") not in ("open", "open|filtered"):
                continue
            service = port.find("service")
            entry = NmapPort(
                name=service.get("name", "") if service is not None else "",
                product=service.get("product", "") if service is not None else "",
                tunnel=service.get("tunnel", "") if service is not None else "",
                method=service.get("method", "") if service is not None else "",
                scripts={s.get("id", ""): s.get("output", "") for s in port.findall("script")},
            )
            host.ports[int(port.get("portid", "0"))] = entry
        host.host_scripts = {
            s.get("id", ""): s.get("output", "") for s in element.findall("hostscript/script")
        }
        hosts[address] = host
    return hosts


FOUND, INFERRED, MISSED = "found", "inferred", "missed"
Rule = Callable[[NmapHost, int | None, str], str]


def _yes(condition: bool, verdict: str = FOUND) -> str:
    return verdict if condition else MISSED


def _cert_field(host: NmapHost, port: int | None, name: str) -> str:
    match = re.search(rf"{name}:\s*(.+)", host.script(port, "ssl-cert"))
    return match.group(1).strip() if match else ""


def _expired(host: NmapHost, port: int | None, key: str) -> str:
    text = _cert_field(host, port, "Not valid after")
    try:
        after = dt.datetime.fromisoformat(text)
    except ValueError:
        return MISSED
    after = after if after.tzinfo else after.replace(tzinfo=dt.UTC)
    return _yes(after < dt.datetime.now(dt.UTC), INFERRED)


def _self_signed(host: NmapHost, port: int | None, key: str) -> str:
    subject, issuer = _cert_field(host, port, "Subject"), _cert_field(host, port, "Issuer")
    return _yes(bool(subject) and subject == issuer, INFERRED)


def _weak_key(host: NmapHost, port: int | None, key: str) -> str:
    bits = _cert_field(host, port, "Public Key bits")
    return _yes(bits.isdigit() and int(bits) < 2048, INFERRED)


def _snmp_valid(host: NmapHost, community: str) -> bool:
    brute = host.script(161, "snmp-brute")
    return bool(re.search(rf"^\s*{re.escape(community)} - Valid credentials", brute, re.M))


def _share_guest(host: NmapHost, port: int | None, key: str) -> str:
    text = host.script(port, "smb-enum-shares")
    block = re.search(rf"\\{re.escape(key)}: *\n((?: {{4,}}.*(?:\n|$))*)", text)
    return _yes(block is not None and "Anonymous access: READ" in block.group(1))


def _service(host: NmapHost, port: int | None) -> NmapPort:
    return host.ports.get(port or 0, NmapPort())


NMAP_RULES: dict[str, Rule] = {
    "ftp.anonymous-login": lambda h, p, k: _yes(
        "Anonymous FTP login allowed" in h.script(p, "ftp-anon")
    ),
    # nmap never asks for AUTH TLS: an FTP service without a TLS tunnel is a reader's guess.
    "ftp.cleartext": lambda h, p, k: _yes(
        _service(h, p).identified_as("ftp") and _service(h, p).tunnel != "ssl", INFERRED
    ),
    "telnet.exposed": lambda h, p, k: _yes(_service(h, p).identified_as("telnet")),
    "snmp.default-community": lambda h, p, k: _yes(
        _snmp_valid(h, k)
        or (
            k == "public"
            and "ERROR" not in h.script(p, "snmp-info")
            and bool(h.script(p, "snmp-info"))
        )
    ),
    # snmp-brute says the community answers, never that it can write.
    "snmp.write-community": lambda h, p, k: _yes(_snmp_valid(h, k), INFERRED),
    "tls.legacy-protocol": lambda h, p, k: _yes(f"{k}:" in h.script(p, "ssl-enum-ciphers")),
    "tls.cert-expired": _expired,
    "tls.cert-self-signed": _self_signed,
    "tls.cert-weak-key": _weak_key,
    "http.directory-listing": lambda h, p, k: _yes("Volume /" in h.script(p, "http-ls")),
    "redis.no-auth": lambda h, p, k: _yes("Version" in h.script(p, "redis-info")),
    "smb.v1-enabled": lambda h, p, k: _yes("SMBv1" in h.script(p, "smb-protocols")),
    "smb.signing-not-required": lambda h, p, k: _yes(
        "not required" in h.script(p, "smb2-security-mode")
    ),
    "smb.guest-share-access": _share_guest,
    "mysql.empty-password": lambda h, p, k: _yes(
        f"{k} account has empty password" in h.script(p, "mysql-empty-password")
    ),
    "memcached.no-auth": lambda h, p, k: _yes(bool(h.script(p, "memcached-info"))),
    "mqtt.anonymous": lambda h, p, k: _yes(
        bool(h.script(p, "mqtt-subscribe")) and "ERROR" not in h.script(p, "mqtt-subscribe")
    ),
    "dicom.any-aet-accepted": lambda h, p, k: _yes(
        "Any AET is accepted" in h.script(p, "dicom-ping")
    ),
    # nmap's "hl7" on 2575 is a port-table guess (method="table"), not an identification.
    "hl7.mllp-exposed": lambda h, p, k: _yes(_service(h, p).identified_as("hl7")),
    # rdp-enum-encryption prints "CredSSP (NLA): SUCCESS" on a server that does not require
    # NLA; only a reader who sees "Native RDP: SUCCESS" / "SSL: SUCCESS" can conclude.
    "rdp.nla-not-enforced": lambda h, p, k: _yes(
        bool(re.search(r"(Native RDP|SSL): SUCCESS", h.script(p, "rdp-enum-encryption"))),
        INFERRED,
    ),
    "vnc.no-auth": lambda h, p, k: _yes(
        bool(re.search(r"None \(1\)|does not require auth", h.script(p, "vnc-info")))
    ),
}

# What would count as an alarm in nmap's output on a hardened host (same reading rules).
HARDENED_PROBES: tuple[tuple[str, int, str], ...] = (
    ("tls.legacy-protocol", 443, "TLSv1.0"),
    ("tls.legacy-protocol", 443, "TLSv1.1"),
    ("tls.cert-expired", 443, ""),
    ("tls.cert-self-signed", 443, ""),
    ("tls.cert-weak-key", 443, ""),
    ("http.directory-listing", 443, "/"),
    ("redis.no-auth", 6379, ""),
)


# --- running ---------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    meminfo = Path("/proc/meminfo").read_text().split()
    mem_kb = int(meminfo[meminfo.index("MemTotal:") + 1])
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    nmap_version = subprocess.run(
        ["nmap", "--version"], capture_output=True, text=True, check=False
    ).stdout.splitlines()[0]
    debian = Path("/etc/debian_version").read_text().strip()
    return {
        "nproc": str(os.cpu_count()),
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "cpu": cpu,
        "kernel": platform.release(),
        "debian": debian,
        "nmap": nmap_version,
        "python": platform.python_version(),
    }


def run_rempart(lab: Lab) -> tuple[ScanResult, float, dict[str, float], dict[str, float]]:
    """The scan, its wall time, when discovery and each host were done (seconds from the
    start), and how long nmap's version detection took on each host."""
    job = ScanJob(
        targets=tuple(lab.scanned_hosts.values()),
        policy="standard",
        job_id="bench",
        check_options=lab.check_options,
    )
    started = time.monotonic()
    done: dict[str, float] = {}
    version_s: dict[str, float] = {}
    host_step, detect = runner._Run._host, nmap.detect_versions

    def progress(event: Progress) -> None:
        if event.phase == "hosts" and event.done == 0:
            done["discovery"] = time.monotonic() - started

    # Instruments only: the runner reports hosts in target order, not as they finish.
    def timed_host(run: Any, host: Any, checks: Any) -> str:
        address: str = host_step(run, host, checks)
        done[address] = time.monotonic() - started
        return address

    def timed_detect(address: str, ports: list[int], **kwargs: Any) -> Any:
        begin = time.monotonic()
        try:
            return detect(address, ports, **kwargs)
        finally:
            version_s[address] = time.monotonic() - begin

    with (
        mock.patch.object(runner._Run, "_host", timed_host),
        mock.patch.object(nmap, "detect_versions", timed_detect),
    ):
        result = run_scan(job, progress=progress)
    return result, time.monotonic() - started, done, version_s


def nmap_command(targets: list[str], communities: Path, output: Path) -> list[str]:
    return [
        "nmap",
        "-n",
        "-sS",
        "-sU",
        "-sV",
        "-T4",
        "--max-rate",
        "300",
        "--max-retries",
        "2",
        "-p",
        f"T:{DEFAULT_TCP_SPEC},U:{DEFAULT_UDP_SPEC}",
        "--script",
        ",".join(NSE_SCRIPTS),
        "--script-args",
        f"snmp-brute.communitiesdb={communities}",
        "-oX",
        str(output),
        *targets,
    ]


def run_nmap(lab: Lab, directory: Path) -> tuple[dict[str, NmapHost], float, list[str]]:
    communities = directory / "communities.txt"
    communities.write_text("\n".join(SNMP_COMMUNITIES) + "\n")
    output = directory / "nmap.xml"
    command = nmap_command(list(lab.scanned_hosts.values()), communities, output)
    started = time.monotonic()
    subprocess.run(command, capture_output=True, check=True, timeout=3600)
    elapsed = time.monotonic() - started
    return parse_nmap(output.read_bytes()), elapsed, command


def compare(lab: Lab, rempart: ScanResult, nmap: dict[str, NmapHost]) -> dict[str, Any]:
    rows = []
    for name, address in lab.scanned_hosts.items():
        found = {(f.check, f.port, f.key) for f in rempart.findings if f.host == address}
        host = nmap.get(address, NmapHost())
        for check, port, key in sorted(lab.expected[name], key=lambda e: (e[0], e[1] or 0, e[2])):
            rule = NMAP_RULES.get(check)
            rows.append(
                {
                    "host": name,
                    "check": check,
                    "port": port,
                    "key": key,
                    "rempart": FOUND if (check, port, key) in found else MISSED,
                    "nmap": rule(host, port, key) if rule else MISSED,
                }
            )
    low = SEVERITIES.index("low")
    hardened = {}
    unexpected = []
    for name, address in lab.scanned_hosts.items():
        on_host = [f for f in rempart.findings if f.host == address]
        if name in lab.hardened:
            host = nmap.get(address, NmapHost())
            hardened[name] = {
                "rempart_above_low": [
                    f"{f.check} {f.port} {f.key} ({f.severity})"
                    for f in on_host
                    if SEVERITIES.index(f.severity) > low
                ],
                "rempart_low_or_info": [
                    f"{f.check} {f.port} {f.key} ({f.severity})"
                    for f in on_host
                    if SEVERITIES.index(f.severity) <= low
                ],
                "nmap_alarms": [
                    f"{c} {p} {k} ({verdict})"
                    for c, p, k in HARDENED_PROBES
                    if (verdict := NMAP_RULES[c](host, p, k)) != MISSED
                ],
            }
        else:
            planted = lab.expected[name]
            unexpected += [
                f"{name}: {f.check} {f.port} {f.key} ({f.severity})"
                for f in on_host
                if (f.check, f.port, f.key) not in planted
            ]
    return {"rows": rows, "hardened": hardened, "rempart_unexpected": unexpected}


def markdown(report: dict[str, Any]) -> str:
    rows = report["comparison"]["rows"]
    total = len(rows)
    rempart_found = sum(r["rempart"] == FOUND for r in rows)
    nmap_found = sum(r["nmap"] == FOUND for r in rows)
    nmap_inferred = sum(r["nmap"] == INFERRED for r in rows)
    lines = [
        f"Machine: {report['machine']['nproc']} CPU ({report['machine']['cpu']}), "
        f"{report['machine']['ram']} RAM, Debian {report['machine']['debian']}, "
        f"kernel {report['machine']['kernel']}, {report['machine']['nmap']}, "
        f"Python {report['machine']['python']}.",
        "",
        f"Lab startup: {report['lab_startup_s']:.1f} s ({len(report['hosts'])} scanned hosts).",
        "",
        "| | Rempart `standard` | nmap -sV + NSE |",
        "|---|---|---|",
        f"| wall time | **{report['rempart_s']:.1f} s** | **{report['nmap_s']:.1f} s** |",
        f"| planted weaknesses reported ({total}) | {rempart_found} | {nmap_found} stated "
        f"+ {nmap_inferred} to be inferred by a reader |",
    ]
    discovery = report["rempart_timeline_s"].get("discovery", 0.0)
    lines += [
        "",
        "| Host | Rempart: host done at | of which nmap -sV | nmap: host done at |",
        "|---|---|---|---|",
        f"| (discovery and port scan, all hosts) | {discovery:.1f} s | — | — |",
    ]
    for name, address in report["hosts"].items():
        version = report["rempart_version_detection_s"].get(address)
        lines.append(
            f"| {name} | {report['rempart_timeline_s'].get(address, 0):.1f} s "
            f"| {f'{version:.1f} s' if version is not None else '— (all native)'} "
            f"| {report['nmap_host_done_s'].get(address, 0):.0f} s |"
        )
    lines += [
        "",
        "| Host | Planted weakness (check, port, key) | Rempart | nmap |",
        "|---|---|---|---|",
    ]
    for r in rows:
        key = f", {r['key']}" if r["key"] else ""
        lines.append(
            f"| {r['host']} | `{r['check']}` {r['port']}{key} | {r['rempart']} | {r['nmap']} |"
        )
    lines.append("")
    for name, data in report["comparison"]["hardened"].items():
        lines.append(
            f"Hardened host `{name}`: Rempart above low: "
            f"{', '.join(data['rempart_above_low']) or 'none'}; Rempart low/info: "
            f"{', '.join(data['rempart_low_or_info']) or 'none'}; nmap alarms: "
            f"{', '.join(data['nmap_alarms']) or 'none'}."
        )
    extra = report["comparison"]["rempart_unexpected"]
    lines.append(f"Rempart findings beyond the planted ones: {', '.join(extra) or 'none'}.")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scan_vs_nmap")
    parser.add_argument("--json", type=Path, help="also write the raw report here")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # tear the lab down on SIGTERM
    with Lab() as lab, tempfile.TemporaryDirectory(prefix="rempart-bench-") as tmp:
        rempart, rempart_s, timeline, version_s = run_rempart(lab)
        nmap, nmap_s, command = run_nmap(lab, Path(tmp))
        report = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "lab_startup_s": lab.startup_s,
            "hosts": lab.scanned_hosts,
            "rempart_s": rempart_s,
            "rempart_status": rempart.status,
            "rempart_timeline_s": timeline,
            "rempart_version_detection_s": version_s,
            "nmap_host_done_s": {a: h.done_at_s for a, h in nmap.items()},
            "nmap_s": nmap_s,
            "nmap_command": " ".join(command),
            "comparison": compare(lab, rempart, nmap),
        }
    text = markdown(report)
    print(text)
    print()
    print("nmap command:", report["nmap_command"])
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
