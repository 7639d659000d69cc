"""The wheel the centre serves: engine and probe only, installable, runs without Django."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from rempart.probes import dist
from rempart.probes.tests.harness import NO_DJANGO

pytestmark = pytest.mark.django_db


def test_the_served_wheel_holds_the_probe_and_runs_without_django(
    client: Any, tmp_path: Path
) -> None:
    response = client.get(f"/api/probe/v1/dist/{dist.wheel_name()}")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "rempart/probe/cli.py" in names
    assert "rempart/engine/runner.py" in names
    assert not [n for n in names if n.startswith(("rempart/probes/", "rempart/scanning/"))]
    assert not [n for n in names if "/tests/" in n]
    wheel = tmp_path / dist.wheel_name()
    wheel.write_bytes(data)
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import rempart.probe.cli as c; "
        "assert c.__file__.startswith(sys.argv[1]), c.__file__; "
        "sys.exit(c.main(['--state-dir', sys.argv[2], 'status']))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(site), str(tmp_path / "state")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=tmp_path,
        env={"PYTHONPATH": str(NO_DJANGO), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 2, run.stderr
    assert "not enrolled" in run.stderr
    assert (site / "bin" / "rempart-probe").exists()
    assert client.get("/api/probe/v1/dist/other.whl").status_code == 404
