"""`rempart intel lookup … | head`: when the reader leaves, the command ends quietly.

A real `rempart` process against the test database, its standard output a pipe whose reader
reads one line and closes it (`| head -1`), or has closed it before the first line
(`| true`). The answer is larger than a pipe's buffer, so the command is still writing when
the reader leaves.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection

from rempart.threatwatch.models import CpeMatch, Cve
from tests.processes import REMPART, clean_env, database_url, kill_group

pytestmark = pytest.mark.django_db(transaction=True)

CVES = 1500  # ~90 KB of text, ~300 KB of JSON: more than a pipe holds (64 KB)
WIDGET = "cpe:2.3:a:example:widget:1.2:*:*:*:*:*:*:*"
TIMEOUT = 60.0


@pytest.fixture
def widget_catalog() -> None:
    cves = Cve.objects.bulk_create(
        Cve(cve_id=f"CVE-2099-{n:05d}", cvss_score=5 + n % 50 / 10) for n in range(CVES)
    )
    CpeMatch.objects.bulk_create(
        CpeMatch(cve=cve, source="nvd", vendor="example", product="widget", end_excluding="2.0")
        for cve in cves
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        kill_group(process, first=signal.SIGKILL, grace=5.0)


def lookup(
    processes: list[subprocess.Popen[bytes]], *args: str, stdout: int
) -> subprocess.Popen[bytes]:
    env = clean_env(
        REMPART_HOME=str(settings.HOME),
        REMPART_SECRET_KEY=settings.SECRET_KEY,
        REMPART_ENCRYPTION_KEY=settings.ENCRYPTION_KEY,
        DATABASE_URL=database_url(connection.settings_dict),
    )
    process = subprocess.Popen(
        [str(REMPART), "intel", "lookup", *args],
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    processes.append(process)
    return process


@pytest.mark.usefixtures("widget_catalog")
@pytest.mark.parametrize("options", [[], ["--json"]], ids=["text", "json"])
def test_lookup_piped_to_head_ends_without_a_traceback(
    options: list[str], processes: list[subprocess.Popen[bytes]]
) -> None:
    # when: the reader takes the first line and leaves (`| head -1`)
    process = lookup(processes, WIDGET, *options, stdout=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stderr is not None
    first = process.stdout.readline().decode()
    process.stdout.close()
    errors = process.stderr.read().decode()
    process.wait(timeout=TIMEOUT)
    # then: it had started answering, and stopped without a word
    assert first.startswith("[" if options else "CVE-2099-")
    assert errors == ""
    assert process.returncode in (0, 1)  # 1: the answer was cut short (not a crash)


@pytest.mark.usefixtures("widget_catalog")
def test_lookup_into_a_closed_pipe_ends_without_a_traceback(
    processes: list[subprocess.Popen[bytes]],
) -> None:
    # given: a pipe whose reader is gone before the command writes (`| true`)
    reader, writer = os.pipe()
    os.close(reader)
    try:
        process = lookup(processes, WIDGET, stdout=writer)
    finally:
        os.close(writer)
    assert process.stderr is not None
    errors = process.stderr.read().decode()
    process.wait(timeout=TIMEOUT)
    assert errors == ""
    assert process.returncode == 1


@pytest.mark.usefixtures("widget_catalog")
def test_lookup_answers_in_full_when_read_to_the_end(
    processes: list[subprocess.Popen[bytes]],
) -> None:
    process = lookup(processes, WIDGET, stdout=subprocess.PIPE)
    output, errors = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, errors.decode()
    lines = output.decode().splitlines()
    assert len(lines) == CVES + 1
    assert lines[-1] == f"{CVES} CVE(s)."
