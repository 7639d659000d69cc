"""Audit jobs: verification of the hash chain, and its result in words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rempart.audit.chain import verify_chain
from rempart.audit.problems import ChainProblem
from rempart.jobs.runner import JobContext, job


def verify_result_describe(run: Any) -> str:
    """The job pages' words for a verification (`describe` of `audit.verify`)."""
    return verify_result_text(run.result)


@job("audit.verify", resumable=True, describe=verify_result_describe)  # a read: run again
def verify_chain_job(context: JobContext) -> dict[str, Any]:
    """Walk the whole audit log and report the first broken link."""
    context.log(_("Verifying the audit chain."))
    report = verify_chain(progress=context.progress)
    result = report.as_result()
    summary = verify_result_text(result)
    context.log(summary)
    context.progress(report.checked, message=summary)
    return result


def verify_result_text(result: Mapping[str, Any]) -> str:
    """The result of a verification as a sentence in the user's language (job pages)."""
    checked = int(result.get("checked") or 0)
    if result.get("ok"):
        return ngettext(
            "Audit chain intact: %(count)d entry checked.",
            "Audit chain intact: %(count)d entries checked.",
            checked,
        ) % {"count": checked}
    try:
        reason = ChainProblem(str(result.get("problem"))).translated(str(result.get("detail", "")))
    except ValueError:  # a result recorded before problems had codes
        return _("Audit chain broken at entry #%(seq)s.") % {"seq": result.get("broken_at")}
    return _("Audit chain broken at entry #%(seq)s: %(reason)s.") % {
        "seq": result.get("broken_at"),
        "reason": reason,
    }
