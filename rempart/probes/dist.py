"""The probe's wheel, built from this centre's own code and served to the probes' machines.

A wheel is a zip archive (PEP 427): the `rempart` package root, the engine and the probe —
nothing of the platform, no Django — with the engine's dependencies and the
`rempart-probe` console script. Built once per version in `REMPART_HOME/probes/dist/`.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import zipfile
from pathlib import Path

from config.paths import rempart_home
from rempart.probe import PROBE_VERSION

DIST_NAME = "rempart_probe"
PACKAGES = ("rempart/engine", "rempart/probe")
REQUIRES = (
    "cryptography>=42",
    "defusedxml>=0.7",
    "sslyze>=6.1,<7",
    "impacket>=0.12",
    "pymysql>=1.1",
    "psycopg[binary]>=3.2",
)
_lock = threading.Lock()
SOURCE = Path(__file__).resolve().parent.parent.parent  # the directory holding `rempart/`


def wheel_name() -> str:
    return f"{DIST_NAME}-{PROBE_VERSION}-py3-none-any.whl"


def _sources() -> list[Path]:
    files = [SOURCE / "rempart" / "__init__.py"]
    for package in PACKAGES:
        files += sorted(
            p
            for p in (SOURCE / package).rglob("*")
            if p.is_file()
            and "tests" not in p.relative_to(SOURCE).parts
            and "__pycache__" not in p.parts
            and p.suffix in (".py", ".json", ".txt")
        )
    return files


def _metadata() -> dict[str, str]:
    info = f"{DIST_NAME}-{PROBE_VERSION}.dist-info"
    requires = "".join(f"Requires-Dist: {r}\n" for r in REQUIRES)
    return {
        f"{info}/METADATA": (
            f"Metadata-Version: 2.1\nName: rempart-probe\nVersion: {PROBE_VERSION}\n"
            "Summary: Rempart scan probe (runs the scan engine on a member site)\n"
            f"License: AGPL-3.0-or-later\nRequires-Python: >=3.11\n{requires}"
        ),
        f"{info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: rempart\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        f"{info}/entry_points.txt": ("[console_scripts]\nrempart-probe = rempart.probe.cli:main\n"),
    }


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}\n"


def build_wheel(target: Path) -> Path:
    """Write the wheel into `target` (atomically) and return its path."""
    target.mkdir(parents=True, exist_ok=True)
    path = target / wheel_name()
    partial = path.with_suffix(".partial")
    records = []
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for source in _sources():
            name = source.relative_to(SOURCE).as_posix()
            data = source.read_bytes()
            archive.writestr(name, data)
            records.append(_record_line(name, data))
        for name, text in _metadata().items():
            archive.writestr(name, text)
            records.append(_record_line(name, text.encode()))
        record = f"{DIST_NAME}-{PROBE_VERSION}.dist-info/RECORD"
        archive.writestr(record, "".join(records) + f"{record},,\n")
    partial.replace(path)
    return path


def probe_wheel() -> Path:
    """The wheel of this version, built at the first request."""
    path = rempart_home() / "probes" / "dist" / wheel_name()
    with _lock:
        if not path.exists():
            build_wheel(path.parent)
    return path
