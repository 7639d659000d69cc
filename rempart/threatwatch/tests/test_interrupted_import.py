"""An interrupted `rempart intel import` loses no correlation: the rerun finds what an
uninterrupted import finds.

`rempart intel import` runs as a real process against the test database. Its second path is
a FIFO that nobody writes to: the process has written the first batch of the tarball's CVEs
(committed), holds the rest in its buffer and blocks opening the FIFO, before any
correlation. It is killed there (SIGKILL, or Ctrl-C's SIGINT). The rerun sees the first
batch "unchanged"; the CVEs it wrote must still be correlated.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from rempart.scanning.models import Finding, Service
from rempart.scanning.tests.factories import AssetFactory, ServiceFactory
from rempart.threatwatch.importers.pipeline import BATCH_SIZE, catalog_import_files
from rempart.threatwatch.models import Alert, Cve, PendingCorrelation, SourceStatus
from rempart.threatwatch.services.pending import pending_correlation_add, pending_correlation_run
from tests.processes import REMPART, clean_env, database_url, kill_group, wait_group_gone

try:
    GROUP = [pytest.mark.xdist_group("intel-interrupted")]
except pytest.fail.Exception:  # `-p no:xdist`: the marker is unknown to --strict-markers
    GROUP = []
pytestmark = [pytest.mark.django_db(transaction=True), *GROUP]

ARCHIVE = Path(__file__).parent / "data" / "archives" / "vulnrichment-2024-subset.tar.gz"
RECORDS = 520
TIMEOUT = 60.0
# What a scan of a hospital server saw (nmap product names and CPEs)
INVENTORY = [
    (80, "http", "Apache httpd", "2.4.52", "cpe:/a:apache:http_server:2.4.52"),
    (5432, "postgresql", "PostgreSQL DB", "13.2", "cpe:/a:postgresql:postgresql:13.2"),
    (6379, "redis", "Redis key-value store", "6.0.16", ""),
    (8080, "http", "nginx", "1.18.0", "cpe:/a:igor_sysoev:nginx:1.18.0"),
    (8009, "ajp13", "Apache Tomcat", "9.0.70", "cpe:/a:apache:tomcat:9.0.70"),
]


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Every process a test starts is killed with its group, whatever happens."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        kill_group(process, first=signal.SIGKILL, grace=5.0)


@pytest.fixture
def inventory(establishment_a: Any) -> list[Service]:
    asset = AssetFactory(establishment=establishment_a, address="10.20.0.5")
    return [
        ServiceFactory(
            establishment=establishment_a,
            asset=asset,
            port=port,
            name=name,
            product=product,
            version=version,
            cpe=cpe,
            is_open=True,
        )
        for port, name, product, version, cpe in INVENTORY
    ]


def intel_import(
    processes: list[subprocess.Popen[bytes]], log: Path, *paths: Path
) -> subprocess.Popen[bytes]:
    """`rempart intel import` as an operator runs it, on this test's database."""
    env = clean_env(
        REMPART_HOME=str(settings.HOME),
        REMPART_SECRET_KEY=settings.SECRET_KEY,
        REMPART_ENCRYPTION_KEY=settings.ENCRYPTION_KEY,
        DATABASE_URL=database_url(connection.settings_dict),
    )
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(REMPART), "intel", "import", *map(str, paths)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    processes.append(process)
    return process


def findings() -> set[tuple[int, str, str]]:
    rows = Finding.objects.filter(check_id="cve").values_list("port", "key", "status")
    return set(rows)


def wait_for_cves(count: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while Cve.objects.count() < count:
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the import never wrote its first batch:\n{log.read_text()}")
        time.sleep(0.05)


def forget_catalog() -> None:
    Alert.objects.all().delete()
    Finding.objects.all().delete()
    Cve.objects.all().delete()
    PendingCorrelation.objects.all().delete()
    SourceStatus.objects.all().delete()


@pytest.mark.parametrize("interrupt", [signal.SIGKILL, signal.SIGINT], ids=["kill", "ctrl-c"])
def test_a_rerun_after_an_interrupted_import_correlates_what_it_wrote(
    interrupt: signal.Signals,
    inventory: list[Service],
    processes: list[subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    # given: what an uninterrupted import finds
    catalog_import_files([ARCHIVE])
    expected = findings()
    assert len(expected) >= 20  # Apache, PostgreSQL, Redis, nginx, Tomcat
    assert {port for port, _, _ in expected} == {port for port, *_ in INVENTORY}
    forget_catalog()
    blocker = tmp_path / "blocker.fifo"
    os.mkfifo(blocker)

    # when: the import is interrupted after its first batch, before any correlation
    first_log = tmp_path / "first.log"
    first = intel_import(processes, first_log, ARCHIVE, blocker)
    wait_for_cves(BATCH_SIZE, first, first_log)
    time.sleep(0.5)  # the rest of the tarball is read into the buffer, not written
    assert first.poll() is None, first_log.read_text()
    os.killpg(first.pid, interrupt)
    first.wait(timeout=10)
    assert first.returncode != 0
    assert wait_group_gone(first.pid, 10.0) == {}
    assert Cve.objects.count() == BATCH_SIZE < RECORDS
    assert findings() == set()  # nothing correlated yet…
    assert PendingCorrelation.objects.count() == BATCH_SIZE  # …and the work is recorded

    # then: the rerun (which sees the first batch unchanged) correlates everything
    second_log = tmp_path / "second.log"
    second = intel_import(processes, second_log, ARCHIVE)
    assert second.wait(timeout=TIMEOUT) == 0, second_log.read_text()
    assert f"{RECORDS - BATCH_SIZE} added, 0 updated, {BATCH_SIZE} unchanged" in (
        second_log.read_text()
    )
    assert Cve.objects.count() == RECORDS
    assert findings() == expected
    assert PendingCorrelation.objects.count() == 0
    assert Alert.objects.count() == len(expected)


def test_correlation_work_is_consumed_once(inventory: list[Service]) -> None:
    # given: an import whose correlation ran
    catalog_import_files([ARCHIVE])
    created = Finding.objects.filter(check_id="cve").count()
    alerts = Alert.objects.count()
    assert created
    assert alerts == created
    assert PendingCorrelation.objects.count() == 0
    # when: the same work is recorded again (a crash between the writes and the deletion)
    # and consumed
    pending_correlation_add(Cve.objects.values_list("cve_id", flat=True))
    summary = pending_correlation_run()
    # then: nothing is duplicated, no alert is raised twice, the work is gone
    assert summary["created"] == 0
    assert summary["matched"] == created
    assert Finding.objects.filter(check_id="cve").count() == created
    assert Alert.objects.count() == alerts
    assert PendingCorrelation.objects.count() == 0
