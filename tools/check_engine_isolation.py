"""The scan engine imports neither Django nor the platform: probes run it on their own."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

FORBIDDEN = ("django", "rest_framework", "celery", "config", "allauth")


def main() -> int:
    problems = []
    for path in Path("rempart/engine").rglob("*.py"):
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
                    root == "rempart" and not name.startswith("rempart.engine")
                ):
                    problems.append(f"{path}:{node.lineno}: the engine must not import {name}")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
