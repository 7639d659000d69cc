"""Job kinds: the function that does the work, and what happens when a run of it stops early.

Each app declares its kinds in `<app>/jobs.py` with `@job(...)` (imported by JobsConfig.ready).
A kind says whether its work is idempotent (`resumable`: a run whose worker died may run again
from the start) and may name a hook that puts the rows it was working on into a final state
when a run ends without success (failed, cancelled, interrupted, or its process died).
A kind also names the function that puts its result in words for the job pages (`describe`):
a sentence, or HTML with a link (a report job: its download link); a run's `result` stays
machine-readable JSON for the API and the command line, and is never shown as it is.

A job that fails for a reason the user can act on raises `JobFailedError` with that reason in
the user's language (or an `ApplicationError`); any other exception is shown as an unexpected
error, its details in the run's log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

JobFunction = Callable[..., dict[str, Any] | None]
# (params of the run, final status of the run, reason in the platform's language)
AbandonHook = Callable[[dict[str, Any], str, str], None]
# (the run: its result, establishment, params) -> text or safe HTML in the active language
ResultRenderer = Callable[[Any], str]


class JobFailedError(Exception):
    """A job's failure, with its reason in the user's language (shown as the run's error)."""


@dataclass(frozen=True)
class JobKind:
    name: str
    func: JobFunction
    resumable: bool = False
    on_abandon: AbandonHook | None = None
    describe: ResultRenderer | None = None


REGISTRY: dict[str, JobKind] = {}


def job(
    kind: str,
    *,
    resumable: bool = False,
    on_abandon: AbandonHook | None = None,
    describe: ResultRenderer | None = None,
) -> Callable[[JobFunction], JobFunction]:
    """Register a job function under `kind` (import-time, side-effect free).

    `resumable=True` only for work that is safe to run again from the start after a crash
    (reads, upserts, files rewritten whole); anything else is marked failed with the reason.
    `describe(run)` puts a successful run's result in words for the job pages.
    """

    def register(func: JobFunction) -> JobFunction:
        REGISTRY[kind] = JobKind(
            name=kind, func=func, resumable=resumable, on_abandon=on_abandon, describe=describe
        )
        return func

    return register
