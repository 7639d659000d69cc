"""Audit jobs: verification of the hash chain."""

from __future__ import annotations

from typing import Any

from rempart.audit.chain import verify_chain
from rempart.jobs.runner import JobContext, job


@job("audit.verify", resumable=True)  # a read: safe to run again
def verify_chain_job(context: JobContext) -> dict[str, Any]:
    """Walk the whole audit log and report the first broken link."""
    context.log("verifying the audit chain")
    report = verify_chain(progress=context.progress)
    if report.ok:
        context.log(f"chain intact: {report.checked} entries")
    else:
        context.log(f"chain broken at entry #{report.broken_at}: {report.reason}")
    return {
        "ok": report.ok,
        "checked": report.checked,
        "broken_at": report.broken_at,
        "reason": report.reason,
    }
