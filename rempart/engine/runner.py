"""The scan pipeline: discovery and open ports (all targets in parallel), native
identification, version detection on the remaining open ports, then checks.

Partial results are kept: a failure or a cancellation returns what was found so far with
the status and the reason.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from rempart.engine import nmap
from rempart.engine.checks import CheckContext, load_all
from rempart.engine.checks.base import Check
from rempart.engine.identify import identify
from rempart.engine.model import Finding, Host, ScanJob, ScanResult, Service, now_iso
from rempart.engine.policy import Policy, get
from rempart.engine.problems import Message, msg
from rempart.engine.targets import AllowedSet, TargetError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """A progress event: `phase` is discovery, hosts or done; `done`/`total` count hosts;
    `step` says what happens as a code the platform translates (`progress.*`)."""

    phase: str
    done: int
    total: int
    step: Message | None = None

    @property
    def message(self) -> str:
        """The step in English (logs, the command line)."""
        return self.step.english() if self.step else ""


ProgressCallback = Callable[[Progress], None]


class ScanStoppedError(Exception):
    """The scan was cancelled."""


class _Run:
    def __init__(
        self, job: ScanJob, progress: ProgressCallback | None, should_stop: Callable[[], bool]
    ) -> None:
        self.job = job
        self.policy: Policy = get(job.policy)
        self.progress = progress or (lambda event: None)
        self.should_stop = should_stop
        self.lock = threading.Lock()
        self.result = ScanResult(job_id=job.job_id, policy=job.policy, started_at=now_iso())
        self.allowed = AllowedSet(frozenset(), frozenset())

    def execute(self) -> ScanResult:
        try:
            self.allowed = AllowedSet.build(self.job.targets, self.job.exclusions)
            self.result.coverage.hosts_targeted = self.allowed.sorted()
            self.result.nmap_version = nmap.version()
            if self.allowed.addresses:
                self._discover()
                self._hosts()
        except ScanStoppedError:
            self._end("cancelled", msg("scan.cancelled"))
        except (nmap.NmapError, nmap.NmapParseError, TargetError) as exc:
            self._end("failed", exc.problem)
            if exc.problem.code == "scan.nmap_stopped":
                self._end("cancelled", msg("scan.cancelled"))
        self.result.finished_at = now_iso()
        count = len(self.result.hosts)
        self.progress(Progress("done", count, count, msg(f"progress.done.{self.result.status}")))
        return self.result

    def _end(self, status: str, problem: Message) -> None:
        self.result.status, self.result.error = status, problem.english()
        self.result.error_message = problem.as_dict()

    def _stop_check(self) -> None:
        if self.should_stop():
            raise ScanStoppedError

    def _discover(self) -> None:
        targets = self.allowed.sorted()
        self.progress(Progress("discovery", 0, len(targets), msg("progress.discovery")))
        tcp = self.job.tcp_ports or self.policy.tcp_ports
        udp = self.job.udp_ports if self.job.udp_ports is not None else self.policy.udp_ports
        self.result.coverage.tcp_ports, self.result.coverage.udp_ports = tcp, udp
        found = nmap.discover(
            targets,
            [str(a) for a in self.allowed.excluded],
            tcp_ports=tcp,
            udp_ports=udp,
            rate=self.job.rate,
            timing=self.policy.nmap_timing,
            should_stop=self.should_stop,
        )
        # Defence in depth: never keep a host nmap reported outside the allowed set.
        self.result.hosts = [h for h in found.hosts if _inside(self.allowed, h.address)]
        self.result.coverage.hosts_up = [h.address for h in self.result.hosts]

    def _hosts(self) -> None:
        hosts = self.result.hosts
        total, done = len(hosts), 0
        self.progress(Progress("hosts", 0, total, msg("progress.hosts_live", count=total)))
        load_all()
        checks = _enabled_checks(self.policy)
        workers = max(1, min(self.job.rate.host_parallelism, 8))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(self._host, host, checks) for host in hosts]
            for future in as_completed(futures):  # report hosts as they finish
                done += 1
                address = future.result()
                self.progress(
                    Progress("hosts", done, total, msg("progress.host_done", address=address))
                )
        self._stop_check()

    def _host(self, host: Host, checks: list[Check]) -> str:
        if self.should_stop():
            return host.address
        timeout = self.policy.check_timeout_s
        if self.policy.version_detection:
            pending = [
                s.port
                for s in host.services
                if s.protocol == "tcp" and not identify(self.allowed, host.address, s, timeout)
            ]
            if pending:
                try:
                    nmap.merge_versions(
                        host,
                        nmap.detect_versions(
                            host.address, pending, rate=self.job.rate, should_stop=self.should_stop
                        ),
                    )
                except (nmap.NmapError, nmap.NmapParseError) as exc:
                    logger.warning("version detection failed on %s: %s", host.address, exc)
        for service in list(host.services):
            for check in checks:
                if self.should_stop():
                    return host.address
                if check.applies(host, service):
                    self._run_check(check, host, service, timeout)
        return host.address

    def _run_check(self, check: Check, host: Host, service: Service, timeout: float) -> None:
        context = CheckContext(
            allowed=self.allowed,
            timeout=timeout,
            policy=self.job.policy,
            options=self.job.check_options,
            should_stop=self.should_stop,
        )
        status, found = "ok", []
        try:
            found = check.run(context, host, service)
        except Exception as exc:  # a broken check must not stop the scan
            logger.exception("check %s failed on %s:%s", check.id, host.address, service.port)
            status = f"error: {type(exc).__name__}: {exc}"[:300]
        with self.lock:
            self.result.findings.extend(_clean(found, self.allowed))
            self.result.coverage.checks.append(
                {
                    "host": host.address,
                    "port": service.port,
                    "protocol": service.protocol,
                    "check": check.id,
                    "status": status,
                }
            )


def _enabled_checks(policy: Policy) -> list[Check]:
    from rempart.engine.checks.base import checks_for  # noqa: PLC0415

    return checks_for(policy.check_categories)


def _inside(allowed: AllowedSet, address: str) -> bool:
    try:
        allowed.check(address)
    except PermissionError:
        return False
    return True


def _clean(findings: list[Finding], allowed: AllowedSet) -> list[Finding]:
    return [f for f in findings if _inside(allowed, f.host)]


def run_scan(
    job: ScanJob,
    *,
    progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> ScanResult:
    """Run `job` to the end (or until `should_stop()`); never raises for scan failures."""
    return _Run(job, progress, should_stop).execute()
