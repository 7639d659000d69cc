"""`rempart run` as a user starts it: a fresh data directory, no server, then Ctrl-C.

The embedded default (SQLite, file-system broker): `rempart run` migrates, creates the first
administrator and prints its one-time password, then supervises gunicorn, a Celery worker and
the Celery scheduler (beat), each in a process group of its own within the session of
`rempart run`. SIGINT must stop all of them. A second start on the same data directory reuses
it (no new administrator) and, with the default REMPART_DEMO, loads the demo region.
One child dying stops them all, `rempart run` dying too, and a second `rempart run` on the
same data directory is refused: never an orphan, never two schedulers.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.processes import (
    REMPART,
    clean_env,
    free_port,
    kill_session,
    session_members,
    wait_session_gone,
)

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("run-command")]

START_TIMEOUT = 90.0  # a fresh data directory runs every migration first
STOP_TIMEOUT = 20.0


@dataclass
class Run:
    process: subprocess.Popen[bytes]
    port: int
    stdout: Path
    stderr: Path
    children: dict[int, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.stdout.read_text(errors="replace")

    def logs(self) -> str:
        return (
            f"--- stdout\n{self.output()[-4000:]}\n"
            f"--- stderr\n{self.stderr.read_text(errors='replace')[-4000:]}"
        )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(
        _NoRedirect, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def _status(opener: urllib.request.OpenerDirector, url: str, data: bytes | None = None) -> int:
    try:
        with opener.open(url, data=data, timeout=5) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def runs() -> Iterator[list[Run]]:
    """Every `rempart run` a test starts is killed with its children, whatever happens."""
    started: list[Run] = []
    yield started
    for run in started:
        kill_session(run.process)


def start(runs: list[Run], home: Path, *args: str) -> Run:
    port = free_port()
    name = f"run-{len(runs) + 1}"
    stdout, stderr = home.parent / f"{name}.stdout", home.parent / f"{name}.stderr"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [
                str(REMPART),
                "run",
                "--port",
                str(port),
                "--web-workers",
                "1",
                "--concurrency",
                "1",
                *args,
            ],
            env=clean_env(REMPART_HOME=str(home)),
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    run = Run(process=process, port=port, stdout=stdout, stderr=stderr)
    runs.append(run)
    return run


def wait_ready(run: Run) -> None:
    """Wait for /healthz to answer 200 and for the Celery worker to be up."""
    opener = _opener()
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if run.process.poll() is not None:
            pytest.fail(f"rempart run exited with {run.process.returncode}\n{run.logs()}")
        if time.monotonic() > deadline:
            pytest.fail(f"rempart run not ready after {START_TIMEOUT:.0f} s\n{run.logs()}")
        try:
            healthy = _status(opener, f"{run.url}/healthz") == 200
        except OSError:
            healthy = False
        run.children = session_members(run.process.pid)
        worker_up = bool(_celery(run, "worker")) and bool(_celery(run, "beat"))
        if healthy and worker_up:
            return
        time.sleep(0.2)


def _celery(run: Run, role: str) -> list[int]:
    """Pids of the Celery `role` (worker, beat) processes started by `rempart run` itself."""
    return [
        pid
        for pid, line in session_members(run.process.pid).items()
        if "celery" in line and f" {role}" in line and _parent(pid) == run.process.pid
    ]


def _parent(pid: int) -> int:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(raw[raw.rindex(")") + 2 :].split()[1])


def stop(run: Run, *, whole_group: bool) -> None:
    """SIGINT to `rempart run` alone, or to its whole group as a terminal's Ctrl-C does."""
    pgid = run.process.pid
    if whole_group:
        os.killpg(pgid, signal.SIGINT)
    else:
        run.process.send_signal(signal.SIGINT)
    started = time.monotonic()
    try:
        run.process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"rempart run still running {STOP_TIMEOUT:.0f} s after SIGINT\n{run.logs()}")
    survivors = wait_session_gone(pgid, max(1.0, STOP_TIMEOUT - (time.monotonic() - started)))
    assert survivors == {}, f"processes left after SIGINT: {survivors}\n{run.logs()}"
    assert run.process.returncode == 0, run.logs()


def _tracking_hits_take_the_fast_path_unlogged(
    first: Run, opener: urllib.request.OpenerDirector
) -> None:
    # Tracking paths of phishing simulations take their own handler (config.wsgi): the pixel
    # answers any token, an unknown click page is a bare 404, and no /p/ hit reaches the
    # access log (the path holds a recipient's token).
    token = secrets.token_urlsafe(24)
    with opener.open(f"{first.url}/p/{token}/o.gif", timeout=5) as response:
        assert response.headers["Content-Type"] == "image/gif"
        assert response.read().startswith(b"GIF89a")
    with pytest.raises(urllib.error.HTTPError) as missing:
        opener.open(f"{first.url}/p/{token}/", timeout=5)
    assert missing.value.code == 404
    assert missing.value.read() == b"Not Found"
    assert "Set-Cookie" not in missing.value.headers
    deadline = time.monotonic() + 10
    while "GET /accounts/login/" not in first.output() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "GET /accounts/login/" in first.output(), first.logs()  # the access log is on
    assert token not in first.output() + first.stderr.read_text(errors="replace")


def test_run_starts_serves_and_stops_on_ctrl_c(runs: list[Run], tmp_path: Path) -> None:
    home = tmp_path / "home"

    first = start(runs, home, "--no-demo")
    wait_ready(first)

    opener = _opener()
    assert _status(opener, f"{first.url}/accounts/login/") == 200
    output = first.output()  # printed while running, not only at exit
    assert "First operator administrator created:" in output, first.logs()
    login = re.search(r"login:\s+(\S+)", output)
    password = re.search(r"one-time password:\s+(\S+)", output)
    assert login is not None, output
    assert password is not None, output
    assert login.group(1) == "admin@rempart.test"
    assert f"Rempart: {first.url}/" in output
    assert "Demo region loaded" not in output
    for key in ("secret_key", "encryption_key"):  # generated in the data directory, private
        assert (home / key).stat().st_mode & 0o777 == 0o600
    assert (home / "rempart.sqlite3").is_file()

    # The printed one-time password signs in (and leads to the password change).
    with opener.open(f"{first.url}/accounts/login/", timeout=5) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    form = {"csrfmiddlewaretoken": token.group(1), "login": login.group(1)}
    form["password"] = password.group(1)
    signed_in = _status(
        opener, f"{first.url}/accounts/login/", urllib.parse.urlencode(form).encode()
    )
    assert signed_in == 302, "the one-time password printed by `rempart run` does not sign in"

    _tracking_hits_take_the_fast_path_unlogged(first, opener)

    commands = " | ".join(first.children.values())
    assert "gunicorn" in commands, first.children
    assert "celery" in commands, first.children
    # rempart, gunicorn x2, celery worker (+ pool), celery beat
    assert len(first.children) >= 5, first.children
    stop(first, whole_group=False)

    # The same data directory again: reused (no new administrator), demo loaded (default).
    second = start(runs, home)
    wait_ready(second)
    assert _status(_opener(), f"{second.url}/accounts/login/") == 200
    output = second.output()
    assert "First operator administrator created:" not in output, output
    assert password.group(1) not in output
    assert "Demo region loaded" in output, second.logs()
    stop(second, whole_group=True)


def _exited(run: Run, timeout: float = STOP_TIMEOUT) -> int:
    try:
        return run.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"rempart run still running after {timeout:.0f} s\n{run.logs()}")


def test_run_stops_as_one_group_and_never_runs_two_schedulers(
    runs: list[Run], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    first = start(runs, home, "--no-demo")
    wait_ready(first)
    assert len(_celery(first, "beat")) == 1, first.children

    # A second `rempart run` on the same data directory is refused, and starts nothing.
    second = start(runs, home, "--no-demo")
    assert _exited(second, START_TIMEOUT) != 0
    assert f"another `rempart run` (pid {first.process.pid}) is already running on" in (
        second.stderr.read_text()
    ), second.logs()
    assert "Traceback" not in second.logs()
    assert wait_session_gone(second.process.pid, 5) == {}
    assert len(_celery(first, "beat")) == 1

    # The worker crashes: everything stops, the scheduler and the worker's pool included.
    [worker] = _celery(first, "worker")
    os.kill(worker, signal.SIGKILL)
    assert _exited(first) == 1, first.logs()
    assert "the job worker stopped" in first.stderr.read_text(), first.logs()
    assert wait_session_gone(first.process.pid, STOP_TIMEOUT) == {}, first.logs()

    # The data directory is free again; `rempart run` itself killed takes its children along.
    third = start(runs, home, "--no-demo")
    wait_ready(third)
    children = session_members(third.process.pid)
    third.process.kill()
    third.process.wait(timeout=5)
    survivors = wait_session_gone(third.process.pid, STOP_TIMEOUT)
    assert survivors == {}, f"left behind by a killed `rempart run`: {survivors} of {children}"
