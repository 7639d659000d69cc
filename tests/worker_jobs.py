"""Job kinds used by the worker tests; the worker process imports them with `--include`."""

from __future__ import annotations

import time
from typing import Any

from rempart.jobs.runner import JobContext, job

FAIL = "tests.worker.fail"
WAIT = "tests.worker.wait"
FAILURE_MESSAGE = "boom from the worker test"


@job(FAIL)
def failing_job(context: JobContext, *, marker: str = "") -> dict[str, Any]:
    """Logs a line, then raises: the run must end `failed` with the error recorded."""
    context.log(f"about to fail ({marker})")
    raise RuntimeError(f"{FAILURE_MESSAGE} {marker}".strip())


@job(WAIT)
def waiting_job(context: JobContext, *, seconds: float = 30.0) -> dict[str, Any]:
    """Reports progress and checks for cancellation until `seconds` have passed."""
    deadline = time.monotonic() + seconds
    step = 0
    while time.monotonic() < deadline:
        step += 1
        context.progress(step, message=f"waiting, step {step}")
        context.check_cancelled()
        time.sleep(0.1)
    return {"steps": step}
