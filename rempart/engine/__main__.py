"""`python -m rempart.engine JOB.json [-o RESULT.json]`: run one scan job without Django.

The job file holds {"targets": [...], "exclusions": [...], "policy": "standard",
"tcp_ports": null, "udp_ports": null, "job_id": "..."}; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rempart.engine.model import RateLimits, ScanJob
from rempart.engine.runner import Progress, run_scan


def job_from_dict(data: dict[str, object]) -> ScanJob:
    rate = data.get("rate") or {}
    return ScanJob(
        targets=tuple(data["targets"]),  # type: ignore[arg-type]
        exclusions=tuple(data.get("exclusions") or ()),  # type: ignore[arg-type]
        policy=str(data.get("policy") or "standard"),
        tcp_ports=data.get("tcp_ports"),  # type: ignore[arg-type]
        udp_ports=data.get("udp_ports"),  # type: ignore[arg-type]
        rate=RateLimits(**rate) if isinstance(rate, dict) else RateLimits(),
        job_id=str(data.get("job_id") or ""),
        check_options=dict(data.get("check_options") or {}),  # type: ignore[call-overload]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rempart.engine")
    parser.add_argument("job", type=Path)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)
    job = job_from_dict(json.loads(args.job.read_text()))

    def show(event: Progress) -> None:
        sys.stderr.write(f"[{event.phase}] {event.done}/{event.total} {event.message}\n")

    result = json.dumps(run_scan(job, progress=show).to_dict(), indent=2)
    if args.output:
        args.output.write_text(result)
    else:
        sys.stdout.write(result + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
