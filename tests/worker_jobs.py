"""Job kinds used by the worker tests; the worker process imports them with `--include`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rempart.jobs.runner import JobContext, job

FAIL = "tests.worker.fail"
WAIT = "tests.worker.wait"
RESUMABLE = "tests.worker.resumable"
FAILURE_MESSAGE = "boom from the worker test"


@job(FAIL)
def failing_job(context: JobContext, *, marker: str = "") -> dict[str, Any]:
    """Logs a line, then raises: the run must end `failed` with the error recorded."""
    context.log(f"about to fail ({marker})")
    raise RuntimeError(f"{FAILURE_MESSAGE} {marker}".strip())


def _abandoned(params: dict[str, Any], status: str, reason: str) -> None:
    """What a kind's own rows would get: here, a file the test reads."""
    if params.get("marker_file"):
        Path(params["marker_file"]).write_text(f"{status}|{reason}", encoding="utf-8")


@job(WAIT, on_abandon=_abandoned)
def waiting_job(
    context: JobContext, *, seconds: float = 30.0, marker_file: str = ""
) -> dict[str, Any]:
    """Reports progress and checks for cancellation until `seconds` have passed (not
    resumable: a run whose worker dies ends failed, and `marker_file` says so)."""
    deadline = time.monotonic() + seconds
    step = 0
    while time.monotonic() < deadline:
        step += 1
        context.progress(step, message=f"waiting, step {step}")
        context.check_cancelled()
        time.sleep(0.1)
    return {"steps": step}


@job(RESUMABLE, resumable=True)
def resumable_job(context: JobContext, *, steps: int = 40) -> dict[str, Any]:
    """Idempotent steps of 0.1 s: a run whose worker died runs again from the start."""
    for step in range(1, steps + 1):
        context.progress(step, steps, message=f"attempt {context.run.attempt}, step {step}")
        context.check_cancelled()
        time.sleep(0.1)
    return {"steps": steps, "attempt": context.run.attempt}
