"""First start: settings refuse to run without keys, the first administrator, deploy checks
(the demo region: test_demo.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from rempart.ops.setup import platform_setup

ROOT = Path(__file__).resolve().parents[3]


def test_settings_refuse_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REMPART_", "DJANGO_"))}
    env.update({"REMPART_HOME": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"})
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "REMPART_SECRET_KEY is not set" in result.stderr


@pytest.mark.django_db
def test_first_setup_is_idempotent() -> None:
    operator, issued = platform_setup()
    assert issued is not None
    assert issued.obj.must_change_password
    assert platform_setup() == (operator, None)  # no second administrator


@pytest.mark.django_db
def test_check_deploy_lists_what_is_unsafe(capsys: Any) -> None:
    from django.conf import settings
    from django.core.checks import run_checks
    from django.db import connection

    messages = {m.id for m in run_checks(include_deployment_checks=True)}
    assert "rempart.W005" in messages
    assert ("rempart.W003" in messages) == (connection.vendor == "sqlite")
    assert ("rempart.W004" in messages) == settings.CELERY_BROKER_URL.startswith("filesystem")
    call_command("check", "--deploy", "--fail-level", "CRITICAL")
    assert "rempart.W005" in capsys.readouterr().err


def test_prefixed_variables_reach_the_settings(tmp_path: Path) -> None:
    """REMPART_* variables read after the integrations are imported are not shadowed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REMPART_", "DJANGO_"))}
    env.update(
        {
            "REMPART_HOME": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "REMPART_SECRET_KEY": "x" * 50,
            "REMPART_ENCRYPTION_KEY": "y" * 40,
            "REMPART_DEMO": "false",
            "REMPART_INVITATION_DAYS": "3",
            "REMPART_TRUSTED_PROXIES": "10.0.0.1",
            "REMPART_LOGIN_ATTEMPTS": "7",
        }
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEMO, s.INVITATION_DAYS, s.AUDIT_TRUSTED_PROXIES, s.LOGIN_ATTEMPTS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "3", "['10.0.0.1']", "7"]
