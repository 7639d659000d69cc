"""Sending a 10,000-recipient phishing campaign to a local SMTP sink with the real sender
(goal: at least 200 messages/s on a 2-core machine, 0 duplicates, 0 lost).

    .venv/bin/python -m bench.phishing_send [--recipients 10000] [--lanes 2]
        [--database-url postgresql://postgres@127.0.0.1:5432/rempart_bench_send]

Builds a throw-away data directory (production settings; SQLite in it unless
`--database-url`; a PostgreSQL database named there is created and dropped), a campaign of
`--recipients` people approved with `campaign_approve` (sending profile: 1000 msg/s,
10⁷ msg/h, `--lanes` connections), then moves every send time back so that all messages are
due now (their random order kept): the figure is the sender's throughput, not the schedule's.

Processes: the sink (aiosmtpd, `rempart.phishing.tests.sink`, answering 250 and recording
each message's `X-Rempart-Simulation` token and arrival time) runs in its own process; one
`rempart phishing_send <public id> --lane i --lanes n` process per lane runs `send_due`
(what the `phishing.send_lane` task runs). Reports the wall time from the first to the last
accepted message, the rate, duplicates (tokens accepted more than once), lost (targets
without an accepted message), and the targets' final states.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import machine
from bench.phishing_launch import approve, bench_home, load, pending_campaign, world

REMPART = Path(sys.executable).with_name("rempart")


def sink_main() -> None:
    """The sink process: prints its port, records until a line arrives on stdin, then prints
    the JSON summary (tokens with counts, first and last acceptance, wall clock)."""
    import django  # noqa: PLC0415

    django.setup()
    from rempart.phishing.tests.sink import Sink, SinkHandler  # noqa: PLC0415

    stamps: list[float] = []

    class Handler(SinkHandler):
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            reply = await super().handle_DATA(server, session, envelope)
            if reply.startswith("250"):
                stamps.append(time.time())
            return reply

    sink = Sink(Handler(keep_raw=False)).start()
    print(sink.port, flush=True)
    sys.stdin.readline()
    sink.stop()
    tokens = sink.handler.tokens()
    print(
        json.dumps(
            {
                "tokens": dict(tokens),
                "first": min(stamps, default=0.0),
                "last": max(stamps, default=0.0),
                "accepted": len(stamps),
            }
        ),
        flush=True,
    )


def start_sink() -> tuple[subprocess.Popen[str], int]:
    sink = subprocess.Popen(
        [sys.executable, "-m", "bench.phishing_send", "--sink"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout is not None  # noqa: S101
    return sink, int(sink.stdout.readline())


def stop_sink(sink: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = sink.communicate("stop\n", timeout=120)
    return dict(json.loads(out.strip().splitlines()[-1]))


def all_due_now(campaign: Any) -> None:
    """Shift every send time back by the same amount: all due, random order kept."""
    from django.db.models import F, Max  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    targets = campaign.targets.all()
    latest = targets.aggregate(latest=Max("send_at"))["latest"]
    shift = latest - timezone.now() + dt.timedelta(seconds=1)
    targets.update(send_at=F("send_at") - shift)


def send(campaign: Any, lanes: int, profile: Path | None) -> tuple[float, list[str]]:
    """Run the lanes as `rempart phishing_send` processes; (wall seconds, their outputs).
    With `profile`, each lane runs under cProfile into `profile`/lane<i>.prof."""
    start = time.time()
    workers = [
        subprocess.Popen(
            [
                *_profiled(profile, lane),
                str(REMPART),
                "phishing_send",
                str(campaign.public_id),
                "--lane",
                str(lane),
                "--lanes",
                str(lanes),
                "--budget",
                "900",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for lane in range(lanes)
    ]
    outputs = [worker.communicate(timeout=1200)[0].strip() for worker in workers]
    return time.time() - start, outputs


def _profiled(directory: Path | None, lane: int) -> list[str]:
    if directory is None:
        return []
    directory.mkdir(parents=True, exist_ok=True)
    return [sys.executable, "-m", "cProfile", "-o", str(directory / f"lane{lane}.prof")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--lanes", type=int, default=2, help="the profile's connections")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--profile", type=Path, help="cProfile each lane into this directory")
    parser.add_argument("--sink", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        sink_main()
        return
    with bench_home("rempart-bench-send-", args.database_url):
        from django.db import connection  # noqa: PLC0415

        from rempart.phishing.models import Target  # noqa: PLC0415

        print(f"Machine: {machine()}; database: {connection.vendor}")
        sink, port = start_sink()
        try:
            w = world(args.recipients, port=port, connections=args.lanes)
            campaign = pending_campaign(w, "Campagne d'envoi")
            count, seconds = approve(w, campaign)
            all_due_now(campaign)
            print(f"{count} targets approved in {seconds:.2f} s; sink on 127.0.0.1:{port}")
            connection.close()  # the senders are other processes
            load_before = load()
            wall, outputs = send(campaign, args.lanes, args.profile)
            load_after = load()
        finally:
            result = stop_sink(sink)
        tokens = Counter(result["tokens"])
        expected = set(Target.objects.filter(campaign=campaign).values_list("token", flat=True))
        states = Counter(Target.objects.filter(campaign=campaign).values_list("state", flat=True))
        duplicates = sum(n - 1 for n in tokens.values() if n > 1)
        lost = len(expected - set(tokens))
        strangers = len(set(tokens) - expected)
        span = result["last"] - result["first"]
        rate = result["accepted"] / span if span else float("nan")
        campaign.refresh_from_db()
        for lane, output in enumerate(outputs):
            print(f"lane {lane}: {output}")
        print(
            f"{connection.vendor}, {args.recipients} recipients, {args.lanes} lanes: "
            f"{result['accepted']} accepted, first→last {span:.2f} s = {rate:.0f} msg/s "
            f"(processes start→end {wall:.2f} s); duplicates {duplicates}, lost {lost}, "
            f"unknown tokens {strangers}; target states {dict(states)}; "
            f"campaign {campaign.status}"
        )
        print(f"load average before: {load_before}; after: {load_after}")
        if duplicates or lost or strangers:
            raise SystemExit("messages duplicated, lost or unknown")


if __name__ == "__main__":
    main()
