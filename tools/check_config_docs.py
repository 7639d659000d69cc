"""Every environment variable the code reads is documented in docs/configuration.md."""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOC = Path("docs/configuration.md")
PREFIXED = re.compile(r'env\.(?:str|bool|int|list|float|json)\(\s*"([A-Z_]+)"')
NAMED = re.compile(
    r"(?:os\.environ\.get|os\.environ\.setdefault|os\.environ\[|environ\.Env\(\)\.\w+\()"
    r'\s*\(?"((?:REMPART|DATABASE)_[A-Z_]+)"'
)


def variables() -> set[str]:
    found: set[str] = set()
    for path in [*Path("config").rglob("*.py"), *Path("rempart").rglob("*.py")]:
        if "tests" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        prefixed = "env.prefix" in text
        for name in PREFIXED.findall(text):
            found.add(name if name.startswith("REMPART_") or not prefixed else f"REMPART_{name}")
        found.update(NAMED.findall(text))
    return found


def main() -> int:
    documented = DOC.read_text(encoding="utf-8")
    missing = sorted(name for name in variables() if f"`{name}`" not in documented)
    for name in missing:
        print(f"{name} is read by the code but not documented in {DOC}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
