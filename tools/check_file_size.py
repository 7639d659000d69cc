"""Fail when a Python module outside migrations and tests exceeds the size budget (800 lines)."""

from __future__ import annotations

import sys
from pathlib import Path

LIMIT = 800
ROOTS = ("rempart", "config")


def main() -> int:
    too_big = []
    for root in ROOTS:
        for path in Path(root).rglob("*.py"):
            if "migrations" in path.parts or "tests" in path.parts:
                continue
            lines = sum(1 for _ in path.open(encoding="utf-8"))
            if lines > LIMIT:
                too_big.append(f"{path}: {lines} lines (limit {LIMIT}); split it into a package")
    for line in too_big:
        print(line)
    return 1 if too_big else 0


if __name__ == "__main__":
    sys.exit(main())
