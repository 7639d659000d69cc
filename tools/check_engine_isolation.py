"""The scan engine and the remote probe import neither Django nor the platform: probes run
them on their own (the probe may import the engine and itself, nothing else of Rempart)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

FORBIDDEN = ("django", "rest_framework", "celery", "config", "allauth")
ALLOWED = ("rempart.engine", "rempart.probe")  # "rempart.probes" is the centre's app


def main() -> int:
    problems = []
    paths = [*Path("rempart/engine").rglob("*.py"), *Path("rempart/probe").rglob("*.py")]
    for path in paths:
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                if root in FORBIDDEN or (
                    root == "rempart"
                    and not any(name == a or name.startswith(a + ".") for a in ALLOWED)
                ):
                    problems.append(f"{path}:{node.lineno}: {path.parts[1]} must not import {name}")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
