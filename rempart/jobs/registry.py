"""Job kinds: the function that does the work, and what happens when a run of it stops early.

Each app declares its kinds in `<app>/jobs.py` with `@job(...)` (imported by JobsConfig.ready).
A kind says whether its work is idempotent (`resumable`: a run whose worker died may run again
from the start) and may name a hook that puts the rows it was working on into a final state
when a run ends without success (failed, cancelled, interrupted, or its process died).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

JobFunction = Callable[..., dict[str, Any] | None]
# (params of the run, final status of the run, reason in the platform's language)
AbandonHook = Callable[[dict[str, Any], str, str], None]


@dataclass(frozen=True)
class JobKind:
    name: str
    func: JobFunction
    resumable: bool = False
    on_abandon: AbandonHook | None = None


REGISTRY: dict[str, JobKind] = {}


def job(
    kind: str, *, resumable: bool = False, on_abandon: AbandonHook | None = None
) -> Callable[[JobFunction], JobFunction]:
    """Register a job function under `kind` (import-time, side-effect free).

    `resumable=True` only for work that is safe to run again from the start after a crash
    (reads, upserts, files rewritten whole); anything else is marked failed with the reason.
    """

    def register(func: JobFunction) -> JobFunction:
        REGISTRY[kind] = JobKind(name=kind, func=func, resumable=resumable, on_abandon=on_abandon)
        return func

    return register
