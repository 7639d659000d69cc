"""Commands that run a job, stopped as a user stops them: Ctrl-C, `kill`, SIGKILL.

`rempart intel import` and `rempart scan` run their job in the command's own process. Ctrl-C
(SIGINT) or `kill` (SIGTERM) ends the job `cancelled` (and its scan with it), and the command
prints one line and no traceback. A SIGKILLed command cannot say anything: its lease expires,
then `rempart jobs watch` or the beat's reaper marks the job failed, and the scan follows.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone, translation

from config.paths import BASE_DIR
from rempart.jobs.models import JobError, JobRun, JobStatus
from rempart.jobs.tasks import reap_expired_jobs_task
from rempart.scanning.choices import ScanStatus
from rempart.scanning.models import Scan
from rempart.tenancy.tests.factories import EstablishmentFactory
from tests.processes import REMPART, kill_session, session_members, wait_session_gone
from tests.workers import database_env

pytestmark = [
    pytest.mark.worker,
    pytest.mark.xdist_group("commands"),
    pytest.mark.django_db(transaction=True),
]
CVE5 = Path(__file__).resolve().parent.parent / "rempart/threatwatch/tests/data/cve5"
LEASE = "2"
WAIT = 90.0


def _cve_directory(root: Path, count: int) -> Path:
    """`count` CVE JSON 5 records (copies of a real one under new ids): a long import."""
    record = json.loads((CVE5 / "CVE-2024-22396.json").read_text())
    folder = root / "cves"
    folder.mkdir()
    for number in range(count):
        record["cveMetadata"]["cveId"] = f"CVE-2099-{number:05d}"
        (folder / f"CVE-2099-{number:05d}.json").write_text(json.dumps(record))
    return folder


def _start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
    output = tmp_path / f"{args[0]}-{time.monotonic_ns()}.out"
    with output.open("wb") as out:
        process = subprocess.Popen(
            [str(REMPART), *args],
            env=database_env(REMPART_JOB_LEASE_SECONDS=LEASE),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return process, output


def _job_running(kind: str, process: subprocess.Popen[bytes], output: Path) -> JobRun:
    """The command's run, once it has reported progress."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        run = JobRun.objects.filter(kind=kind).order_by("-pk").first()
        if run is not None and run.status == JobStatus.RUNNING and run.progress_done > 0:
            return run
        if process.poll() is not None:
            pytest.fail(f"the command ended before its job ran:\n{output.read_text()}")
        time.sleep(0.05)
    pytest.fail(f"no running {kind} job after {WAIT:.0f} s:\n{output.read_text()}")


def _ended(process: subprocess.Popen[bytes], output: Path) -> str:
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        kill_session(process)
        pytest.fail(f"the command did not stop:\n{output.read_text()}")
    return output.read_text(errors="replace")


@pytest.fixture
def processes() -> list[subprocess.Popen[bytes]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started  # type: ignore[misc]
    for process in started:
        kill_session(process, grace=2)


@pytest.mark.parametrize(
    ("signum", "name", "code"),
    [(signal.SIGINT, "Ctrl-C", 130), (signal.SIGTERM, "SIGTERM", 143)],
)
def test_interrupted_intel_import_cancels_its_job_in_one_line(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]], signum: int, name: str, code: int
) -> None:
    folder = _cve_directory(tmp_path, 4000)
    process, output = _start(tmp_path, "intel", "import", str(folder))
    processes.append(process)
    run = _job_running("threatwatch.import", process, output)

    process.send_signal(signum)
    text = _ended(process, output)

    assert process.returncode == code, text
    assert "Traceback" not in text, text
    last = text.strip().splitlines()[-1]
    assert last == f"rempart: interrupted ({name}): job {run.public_id} cancelled", text
    done = JobRun.objects.get(pk=run.pk)
    assert done.status == JobStatus.CANCELLED
    assert done.error_code == JobError.INTERRUPTED
    assert done.finished_at is not None
    assert done.lease_expires_at is None
    assert f"({name})." in done.log  # "Interrupted (SIGTERM)." in the command's language
    with translation.override("fr"):
        assert done.error_display == "Interrompue depuis le terminal (Ctrl-C ou kill)."


def test_sigkilled_intel_import_is_found_dead_by_jobs_watch(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    folder = _cve_directory(tmp_path, 4000)
    process, output = _start(tmp_path, "intel", "import", str(folder))
    processes.append(process)
    run = _job_running("threatwatch.import", process, output)

    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert JobRun.objects.get(pk=run.pk).status == JobStatus.RUNNING

    watch = subprocess.run(
        [str(REMPART), "jobs", "watch", str(run.public_id)],
        env=database_env(),
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )

    assert watch.returncode == 1, (watch.stdout, watch.stderr)
    assert "Traceback" not in watch.stdout + watch.stderr
    assert "failed: The command running this job was stopped before the end" in watch.stdout
    done = JobRun.objects.get(pk=run.pk)
    assert done.status == JobStatus.FAILED
    assert done.error_code == JobError.COMMAND_LOST
    assert done.finished_at is not None


def _scan_running(process: subprocess.Popen[bytes], output: Path) -> Scan:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        scan = Scan.objects.order_by("-pk").first()
        if scan is not None and scan.status == ScanStatus.RUNNING:
            return scan
        if process.poll() is not None:
            pytest.fail(f"the scan ended before running:\n{output.read_text()}")
        time.sleep(0.02)
    pytest.fail(f"no running scan after {WAIT:.0f} s:\n{output.read_text()}")


def _scan(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    establishment = EstablishmentFactory(is_operator_own=True)
    return _start(
        tmp_path,
        "scan",
        "--targets",
        "127.0.0.0/28",
        "--establishment",
        establishment.slug,
        "--authorize",
    )


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_rempart_scan_cancels_the_job_and_the_scan(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]], signum: int, code: int
) -> None:
    process, output = _scan(tmp_path)
    processes.append(process)
    scan = _scan_running(process, output)
    time.sleep(0.5)  # into nmap's discovery

    process.send_signal(signum)  # to `rempart scan` alone, as `kill` does
    text = _ended(process, output)

    assert process.returncode == code, text
    assert wait_session_gone(process.pid, 5) == {}  # nmap does not outlive the command
    assert "Traceback" not in text, text
    assert text.strip().splitlines()[-1].startswith("rempart: interrupted ("), text
    scan.refresh_from_db()
    assert scan.status == ScanStatus.CANCELLED
    assert scan.finished_at is not None
    assert scan.error == "Interrompue depuis le terminal (Ctrl-C ou kill)."
    run = JobRun.objects.get(kind="scanning.scan")
    assert run.status == JobStatus.CANCELLED


def test_sigkilled_rempart_scan_ends_failed_with_its_scan(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    process, output = _scan(tmp_path)
    processes.append(process)
    scan = _scan_running(process, output)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    run = JobRun.objects.get(kind="scanning.scan")

    deadline = time.monotonic() + WAIT
    while JobRun.objects.get(pk=run.pk).lease_expires_at > timezone.now():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the lease of a killed command is still renewed"
        time.sleep(0.2)
    assert reap_expired_jobs_task() == 1

    run.refresh_from_db()
    assert run.status == JobStatus.FAILED
    assert run.error_code == JobError.COMMAND_LOST
    scan.refresh_from_db()
    assert scan.status == ScanStatus.FAILED
    assert scan.finished_at is not None
    assert scan.error.startswith("La commande qui exécutait cette tâche a été arrêtée"), scan.error


NMAP_SCRIPT = """
from rempart.jobs.interrupt import install
install()
from rempart.engine import nmap
try:
    nmap.run(["-sT", "-Pn", "-p", "1-65535", "--max-rate", "500", "127.0.0.0/29"])
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def _is_nmap(command_line: str) -> bool:
    return command_line.split(" ", 1)[0].endswith("/nmap")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_nmap_does_not_outlive_an_interrupted_command(tmp_path: Path, signum: int) -> None:
    # given: the engine running a long nmap, in a command's process (its signal handlers)
    process = subprocess.Popen(
        [sys.executable, "-c", NMAP_SCRIPT],
        env=database_env(),
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + WAIT
        while not any(_is_nmap(line) for line in session_members(process.pid).values()):
            assert time.monotonic() < deadline, "nmap never started"
            time.sleep(0.05)
        # when: the command alone is interrupted (`kill`, not a terminal's whole group)
        process.send_signal(signum)
        out, _ = process.communicate(timeout=30)
        survivors = wait_session_gone(process.pid, 5)
    finally:
        kill_session(process, grace=1)
    # then
    assert out == b"interrupted\n", out
    assert survivors == {}
