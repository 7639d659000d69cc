"""`rempart-probe`: enrol this machine as a probe, run it, show its state."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from rempart.probe import PROBE_VERSION
from rempart.probe.agent import Agent, EnrolmentError, enroll, run_forever
from rempart.probe.client import CentreUnreachableError, RefusedError
from rempart.probe.state import DEFAULT_STATE_DIR, State, StateError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rempart-probe", description="Rempart scan probe")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=DEFAULT_STATE_DIR,
        help=f"state directory (default {DEFAULT_STATE_DIR})",
    )
    parser.add_argument("--ca-file", help="CA bundle that signs the centre's certificate")
    parser.add_argument("--version", action="version", version=PROBE_VERSION)
    commands = parser.add_subparsers(dest="command", required=True)
    enrol = commands.add_parser("enroll", help="enrol with a one-time code from the centre")
    enrol.add_argument("--server", required=True, help="the centre's address, https://…")
    enrol.add_argument("--code", required=True, help="the one-time enrolment code")
    run = commands.add_parser("run", help="pull jobs and send results until stopped")
    run.add_argument("--once", action="store_true", help="one cycle, then exit")
    run.add_argument("--wait", type=float, default=20, help="long-poll seconds (default 20)")
    commands.add_parser("status", help="show the enrolment and the results waiting on disk")
    return parser


def _status(state: State) -> int:
    enrolment = state.enrolment()
    waiting = [p.name for p in state.spooled() if not p.name.endswith(".partial")]
    sys.stdout.write(
        json.dumps(
            {
                "server": enrolment.server,
                "probe": enrolment.probe,
                "name": enrolment.name,
                "establishment": enrolment.establishment,
                "last_job": enrolment.last_job,
                "results_waiting": waiting,
                "version": PROBE_VERSION,
            },
            indent=2,
        )
        + "\n"
    )
    return 0


def _run(state: State, args: argparse.Namespace) -> int:
    agent = Agent(state, ca_file=args.ca_file)
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if not args.once:
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        return run_forever(agent, stop=lambda: stopping, once=args.once, wait=args.wait)
    except KeyboardInterrupt:
        return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    state = State(args.state_dir)
    try:
        return _command(state, args)
    except (StateError, EnrolmentError) as exc:
        message, status = str(exc), 2
    except RefusedError as exc:
        message, status = str(exc), 3
    except CentreUnreachableError as exc:
        message, status = f"the centre is unreachable: {exc}", 4
    except PermissionError as exc:
        message, status = f"{exc} (use --state-dir or run as the probe's user)", 2
    sys.stderr.write(f"rempart-probe: {message}\n")
    return status


def _command(state: State, args: argparse.Namespace) -> int:
    if args.command == "enroll":
        enrolment = enroll(state, args.server, args.code, ca_file=args.ca_file)
        sys.stdout.write(f"enrolled as “{enrolment.name}” for {enrolment.establishment}\n")
        return 0
    if args.command == "status":
        return _status(state)
    return _run(state, args)


if __name__ == "__main__":
    sys.exit(main())
