"""No traceback reaches a user: every `rempart` command, run as a user would run it badly.

Each command of the CLI (the management commands, listed by Django) runs in a real process:
before `rempart init` (no keys), with bad input, and interrupted by SIGINT sent to its process
group as a terminal's Ctrl-C does. None may print a traceback; each failure is one line
prefixed `rempart:` or Django's `CommandError:`, with a non-zero exit status. Then the central
cases of rempart/cli.py: a locked SQLite database, a MemoryError, an unexpected exception.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import get_commands
from django.db import connection

from rempart.jobs.models import JobRun, JobStatus
from rempart.tenancy.tests.factories import EstablishmentFactory
from tests.processes import REMPART, clean_env, free_port, kill_session
from tests.workers import database_env

pytestmark = [
    pytest.mark.worker,
    pytest.mark.xdist_group("commands"),
    pytest.mark.django_db(transaction=True),
]
COMMANDS = sorted(get_commands())
PARALLEL = 4
STILL_RUNNING = -999
TIMEOUT = 60.0
# When to send SIGINT: early for a short command (it lands in Python's or Django's start-up);
# for a long one, once it has printed something (it lands in the command's work).
SETTLE_SHORT = 0.5
FIRST_OUTPUT_WAIT = 30.0

# Bad input a user could type, per command; any other command gets an unknown option.
BAD_INPUT: dict[str, list[list[str]]] = {
    "audit": [["frobnicate"]],
    "backup": [["--output", "{garbage}/backup.tar.gz"]],
    "changepassword": [["nobody@example.org"]],
    "check": [["nosuchapp"]],
    "createsuperuser": [["--noinput"]],
    "deadlines": [
        ["revise"],
        ["revise", "nope", "--from", "2030-01-01"],
        ["revise", "x", "--from", "hier"],
    ],
    "dumpdata": [["nosuchapp"]],
    "import_scan": [["/nonexistent/report.xml"], ["{garbage}"]],
    "intel": [
        ["import", "/nonexistent/cves.json"],
        ["lookup", "not-a-cpe"],
        ["export-bundle", "{garbage}/bundle.tar.gz"],
        ["frobnicate"],
    ],
    "jobs": [["watch"], ["watch", "not-a-uuid"], ["watch", str(uuid.UUID(int=1))], ["list", "x"]],
    "loaddata": [["/nonexistent/fixture.json"]],
    "migrate": [["nosuchapp"], ["jobs", "9999"]],
    "phishing_send": [["not-a-campaign"], [str(uuid.UUID(int=1))]],
    "restore": [["/nonexistent/backup.tar.gz"], ["{garbage}"]],
    "run": [["--port", "not-a-port"]],
    "scan": [
        ["--targets", "999.1.1.1"],
        ["--targets", "10.0.0.0/4"],
        ["--targets", "999.1.1.1", "--authorize"],
        ["--targets", ","],
        ["--targets", "127.0.0.1", "--establishment", "nowhere"],
        ["--targets", "127.0.0.1", "--policy", "nosuchpolicy"],
    ],
    "sendtestemail": [[]],
    "shell": [["-c", "1/0"]],
    "showmigrations": [["nosuchapp"]],
    "sqlmigrate": [["jobs", "9999"]],
}
# What runs a while (or waits) when interrupted; any other command shows its help.
LONG_RUNNING: dict[str, list[str]] = {
    "audit": ["verify"],
    "backup": ["--output", "{tmp}/backup.tar.gz"],
    "changepassword": ["nobody@example.org"],
    "createsuperuser": [],
    "dbshell": [],
    "demo": [],
    "dumpdata": [],
    "generateschema": [],
    "inspectdb": [],
    "intel": ["status"],
    "jobs": ["watch", "{job}"],
    "migrate": [],
    "run": ["--port", "{port}", "--no-worker", "--no-demo"],
    "runserver": ["127.0.0.1:{port}", "--noreload"],
    "scan": ["--targets", "127.0.0.1", "--authorize"],
    "shell": [],
    "spectacular": [],
}


@dataclass
class Outcome:
    argv: list[str]
    code: int
    output: str
    interrupted: bool = False

    def problem(self) -> str | None:
        if "Traceback" in self.output or "Exception ignored" in self.output:
            return "a traceback"
        if self.code == STILL_RUNNING:
            return "did not stop"
        # Ctrl-C while Python is already exiting (after the handlers are gone): the usual
        # "killed by SIGINT", the command's work and output being complete.
        if self.code < 0 and not (self.interrupted and self.code == -signal.SIGINT):
            return f"killed by signal {-self.code}"
        # (the line may follow output that had no line end yet, such as dumpdata's JSON)
        last = self.output.strip().rsplit("\n", 1)[-1]
        if self.code == 130 and not last.endswith("rempart: interrupted (Ctrl-C)"):
            return "interrupted without saying so in its last line"
        return None

    def __str__(self) -> str:
        return f"$ rempart {' '.join(self.argv)}  (exit {self.code})\n{self.output[-3000:]}"


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> Outcome:
    try:
        done = subprocess.run(
            [str(REMPART), *argv],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        return Outcome(argv, STILL_RUNNING, f"still running after {TIMEOUT:.0f} s: {exc.output}")
    return Outcome(argv, done.returncode, done.stdout + done.stderr)


def _settle(process: subprocess.Popen[bytes], log: Path, settle: float | None) -> None:
    """Wait `settle` seconds, or (None) until the command has printed something."""
    if settle is not None:
        time.sleep(settle)
        return
    deadline = time.monotonic() + FIRST_OUTPUT_WAIT
    while not log.stat().st_size and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)


def _interrupt(
    argv: list[str], env: dict[str, str], cwd: Path, settle: float | None = None
) -> Outcome:
    """Start, wait (`_settle`), SIGINT to the whole process group (a terminal's Ctrl-C)."""
    log = cwd / f"interrupt-{uuid.uuid4().hex[:8]}.out"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(REMPART), *argv],
            env=env,
            cwd=cwd,
            stdin=subprocess.PIPE,  # open: a prompt waits for the user
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _settle(process, log, settle)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        time.sleep(0.5)
        assert process.stdin is not None
        process.stdin.close()  # an interactive shell goes on after Ctrl-C; end of input ends it
        code = process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        code = STILL_RUNNING
    finally:
        kill_session(process, grace=2)
    return Outcome(argv, code, log.read_text(errors="replace"), interrupted=True)


def _all(runs: list[tuple[list[str], dict[str, str]]], cwd: Path, *, interrupt: bool) -> None:
    """Run them all (a few at a time); fail with every problem found, not just the first."""

    def call(run: tuple[list[str], dict[str, str]]) -> Outcome:
        argv, env = run
        if not interrupt:
            return _run(argv, env, cwd)
        long_running = argv[0] in LONG_RUNNING
        return _interrupt(argv, env, cwd, None if long_running else SETTLE_SHORT)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        outcomes = list(pool.map(call, runs))
    failures = [f"{outcome.problem()}:\n{outcome}" for outcome in outcomes if outcome.problem()]
    assert not failures, "\n\n".join(failures)
    if not interrupt:
        silent = [str(o) for o in outcomes if o.code == 0]
        assert not silent, "bad input accepted:\n" + "\n\n".join(silent)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """Commands run from an empty directory: nothing of the repository is written to."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    (folder / "garbage.bin").write_bytes(os.urandom(2048))
    return folder


def _substitute(argv: list[str], values: dict[str, str]) -> list[str]:
    return [arg.format(**values) if "{" in arg else arg for arg in argv]


def test_commands_before_init_say_what_to_do(tmp_path: Path, workdir: Path) -> None:
    # given: an empty data directory, no keys in the environment (the settings fail to load
    # before any command is looked up: the platform's own commands and the usual ones)
    env = clean_env(REMPART_HOME=str(tmp_path / "empty-home"))
    skipped = {"init", "run", "restore"}  # these create the data directory and its keys
    own = [name for name, app in get_commands().items() if app.startswith("rempart.")]
    runs = [([command, "--help"], env) for command in sorted(set(own) - skipped)]
    runs += [(argv, env) for argv in (["migrate"], ["check"], ["shell"], ["compilemessages"])]
    # when
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        outcomes = list(pool.map(lambda run: _run(run[0], run[1], workdir), runs))
    # then
    wrong = [
        str(o)
        for o in outcomes
        if o.code != 78 or not o.output.startswith("rempart: configuration error: ")
    ]
    assert not wrong, "\n\n".join(wrong)
    outcome = _run(["scan", "--help"], env, workdir)
    assert outcome.code == 78, outcome
    assert outcome.output.strip().splitlines() == [
        f"rempart: configuration error: REMPART_SECRET_KEY is not set and "
        f"{tmp_path / 'empty-home' / 'secret_key'} does not exist. Set REMPART_SECRET_KEY "
        "(or REMPART_SECRET_KEY_FILE), or run `rempart init` to generate the embedded "
        "default's keys."
    ], outcome


def test_every_command_refuses_bad_input_in_one_line(workdir: Path) -> None:
    EstablishmentFactory(is_operator_own=True)  # what a scan or an import is refused for
    env = database_env()
    values = {"garbage": str(workdir / "garbage.bin")}
    runs = [
        (_substitute([command, *args], values), env)
        for command in COMMANDS
        for args in BAD_INPUT.get(command, [["--no-such-option"]])
    ]
    _all(runs, workdir, interrupt=False)


def test_every_command_interrupted_stops_without_a_traceback(workdir: Path) -> None:
    waiting = JobRun.objects.create(kind="audit.verify", title="watched", status=JobStatus.RUNNING)
    JobRun.objects.filter(pk=waiting.pk).update(lease_expires_at="2999-01-01T00:00:00Z")
    values = {"tmp": str(workdir), "job": str(waiting.public_id)}
    runs = []
    for command in COMMANDS:
        values["port"] = str(free_port())
        argv = [command, *LONG_RUNNING.get(command, ["--help"])]
        runs.append((_substitute(argv, values), database_env(PYTHONUNBUFFERED="1")))
    _all(runs, workdir, interrupt=True)


def test_interrupted_command_prints_one_line_and_exits_130(workdir: Path) -> None:
    waiting = JobRun.objects.create(kind="audit.verify", title="watched", status=JobStatus.RUNNING)
    JobRun.objects.filter(pk=waiting.pk).update(lease_expires_at="2999-01-01T00:00:00Z")

    outcome = _interrupt(["jobs", "watch", str(waiting.public_id)], database_env(), workdir)

    assert outcome.code == 130, outcome
    assert outcome.output.strip().splitlines()[-1] == "rempart: interrupted (Ctrl-C)", outcome


def test_out_of_memory_is_one_line(workdir: Path) -> None:
    outcome = _run(["shell", "-c", "bytearray(10**14)"], database_env(), workdir)

    assert outcome.code == 71, outcome
    assert outcome.output.strip().splitlines()[-1] == (
        "rempart: out of memory: the command stopped (its transaction undone)."
    ), outcome
    assert "Traceback" not in outcome.output


def test_unexpected_error_is_one_line_and_the_traceback_is_kept(workdir: Path) -> None:
    outcome = _run(["shell", "-c", "1/0"], database_env(), workdir)

    log = Path(os.environ["REMPART_HOME"]) / "logs" / "cli.log"
    assert outcome.code == 1, outcome
    assert outcome.output.strip().splitlines()[-1] == (
        f"rempart: unexpected error: ZeroDivisionError: division by zero (details in {log})"
    ), outcome
    assert "Traceback" not in outcome.output
    assert "ZeroDivisionError" in log.read_text()


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite database lock (PostgreSQL locks rows)"
)
def test_locked_sqlite_database_is_one_line(workdir: Path) -> None:
    # given: another process holds the write lock for longer than the busy timeout
    holder = sqlite3.connect(connection.settings_dict["NAME"], timeout=1)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        # when: a command must write (its job's row)
        outcome = _run(["audit", "verify"], database_env(), workdir)
    finally:
        holder.rollback()
        holder.close()
    # then
    assert outcome.code == 75, outcome
    assert outcome.output.strip().splitlines()[-1] == (
        "rempart: the database is locked by another process (a long write in progress): "
        "try again when it has finished."
    ), outcome
    assert "Traceback" not in outcome.output
