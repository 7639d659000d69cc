"""`python -m tests.lab [--seconds N]`: start the lab, print its hosts as JSON, wait (until
Ctrl-C or N seconds), tear it down."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time

from tests.lab.lab import Lab


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.lab")
    parser.add_argument("--seconds", type=float, default=0, help="0: until Ctrl-C")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with Lab() as lab:
        summary = {
            "startup_s": round(lab.startup_s, 2),
            "subnet": lab.subnet,
            "directory": str(lab.directory),
            "hosts": lab.describe(),
        }
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
        sys.stdout.flush()
        try:
            if args.seconds:
                time.sleep(args.seconds)
            else:
                signal.pause()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
