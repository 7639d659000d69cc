"""The French catalogue must be complete: no untranslated or fuzzy entry, and the compiled
.mo must match the .po (run `make compile-messages` after editing translations).

`--report` lists the missing entries instead of failing on the first problem.
"""

from __future__ import annotations

import ast
import gettext
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PO = Path("locale/fr/LC_MESSAGES/django.po")
MO = PO.with_suffix(".mo")


def _unquote(line: str) -> str:
    return str(ast.literal_eval(line.strip()))


def parse_po(path: Path) -> list[dict[str, object]]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (list), fuzzy."""
    entries: list[dict[str, object]] = []
    entry: dict[str, object] = {"msgstr": [], "fuzzy": False}
    current = ""
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, current = {"msgstr": [], "fuzzy": False}, ""
        elif line.startswith("#,") and "fuzzy" in line:
            entry["fuzzy"] = True
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgctxt", "msgid_plural", "msgid", "msgstr")):
            key, _, rest = line.partition(" ")
            value = _unquote(rest)
            if key.startswith("msgstr"):
                entry["msgstr"].append(value)  # type: ignore[union-attr]
                current = f"msgstr{len(entry['msgstr']) - 1}"  # type: ignore[arg-type]
            else:
                entry[key], current = value, key
        elif line.startswith('"'):
            value = _unquote(line)
            if current.startswith("msgstr"):
                index = int(current[6:])
                entry["msgstr"][index] += value  # type: ignore[index]
            else:
                entry[current] = str(entry[current]) + value
    return entries


def problems(entries: list[dict[str, object]]) -> list[str]:
    found = []
    for entry in entries:
        msgid = str(entry["msgid"])
        if not msgid:
            continue
        if entry["fuzzy"]:
            found.append(f"fuzzy: {msgid!r}")
        elif any(not text for text in entry["msgstr"]):  # type: ignore[attr-defined]
            found.append(f"untranslated: {msgid!r}")
    return found


def mo_mismatches(entries: list[dict[str, object]]) -> list[str]:
    if not MO.exists():
        return [f"{MO} is missing: run `make compile-messages`"]
    with MO.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    found = []
    for entry in entries:
        msgid = str(entry["msgid"])
        if not msgid or "msgid_plural" in entry:
            continue
        key = f"{entry['msgctxt']}\x04{msgid}" if "msgctxt" in entry else msgid
        expected = entry["msgstr"][0]  # type: ignore[index]
        if catalog._catalog.get(key) != expected:  # type: ignore[attr-defined]
            found.append(f"stale .mo for {msgid!r}: run `make compile-messages`")
    return found


def extract() -> None:
    """Run `makemessages` (needs GNU gettext) so that new strings in the code are counted;
    when nothing but the header changed, put the original file back (no noise in git)."""
    if shutil.which("xgettext") is None:
        print("xgettext not found: new strings are not extracted (apt-get install gettext)")
        return
    before = PO.read_text(encoding="utf-8")
    env = dict(
        os.environ,
        REMPART_HOME=tempfile.mkdtemp(),
        REMPART_SECRET_KEY="offline",  # noqa: S106  (a throw-away key to load settings)
        REMPART_ENCRYPTION_KEY="offline",
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "fr",
            "--no-obsolete",
            "--ignore",
            ".venv/*",
            "--ignore",
            "var/*",
            "--ignore",
            "*/tests/*",
            "--ignore",
            "tests/*",
            "--ignore",
            "bench/*",
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    if _entry_keys(parse_po(PO)) == _entry_keys(_parse_text(before)):
        PO.write_text(before, encoding="utf-8")


def _entry_keys(entries: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [
        (e.get("msgctxt"), e["msgid"], tuple(e["msgstr"]), e["fuzzy"])  # type: ignore[arg-type]
        for e in entries
    ]


def _parse_text(text: str) -> list[dict[str, object]]:
    with tempfile.NamedTemporaryFile("w", suffix=".po", delete=False, encoding="utf-8") as tmp:
        tmp.write(text)
    return parse_po(Path(tmp.name))


def main(argv: list[str]) -> int:
    if "--extract" in argv:
        extract()
    entries = parse_po(PO)
    issues = problems(entries) + mo_mismatches(entries)
    for issue in issues:
        print(issue)
    if "--report" in argv:
        print(f"{len(entries)} entries, {len(issues)} to fix")
        return 0
    return 1 if issues else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
