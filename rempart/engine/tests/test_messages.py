"""Every message code the engine's sources emit has an English text (no bare code shown)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rempart.engine.checks.eol import CAVEATS
from rempart.engine.evidence import TERMS
from rempart.engine.problems import TABLES, Message, english_template

ENGINE = Path(__file__).resolve().parents[1]
LITERAL = re.compile(
    r"""\b(?:msg|Message|NmapError|TargetError|NmapParseError)\(\s*"([a-z0-9_.]+)"\s*"""
)


def emitted_codes() -> set[str]:
    codes = set()
    for path in ENGINE.rglob("*.py"):
        if "tests" not in path.parts:
            codes.update(LITERAL.findall(path.read_text()))
    return codes | {f"eol.caveat.{key}" for key in CAVEATS}


def test_every_emitted_code_has_an_english_text() -> None:
    # given the codes written in the engine's sources
    codes = emitted_codes()
    # then each has an English text, and the scan found the evidence and progress codes
    assert len(codes) > 80
    assert {code for code in codes if english_template(code) is None} == set()


def test_codes_are_unique_across_tables() -> None:
    keys = [code for table in TABLES for code in table]
    assert len(keys) == len(set(keys))


def test_english_rendering_uses_the_parameters() -> None:
    message = Message("db.empty_password", {"account": "root", "detail": "MySQL 8.0"})
    assert message.english() == "Account 'root' logged in with an empty password: MySQL 8.0"
    assert message.as_dict() == {
        "code": "db.empty_password",
        "params": {"account": "root", "detail": "MySQL 8.0"},
    }


def test_terms_are_distinct() -> None:
    assert len(TERMS) == len(set(TERMS))


def test_every_term_a_check_names_is_listed() -> None:
    from rempart.engine.checks import http, rdp, ssh

    named = {*ssh.KIND_LABELS.values(), *rdp.REQUESTS.values(), *(k for k, _ in http.LISTINGS)}
    named |= {"anonymous (null session)", "guest account"}  # smb._guest_session
    assert named <= set(TERMS)


def test_the_result_file_carries_codes_and_parameters() -> None:
    # given a result with a coded finding and a coded failure
    from rempart.engine.model import Finding, ResultFormatError, ScanResult

    evidence = Message("db.empty_password", {"account": "root", "detail": "MySQL 8"})
    result = ScanResult(job_id="j", policy="standard", started_at="2026-01-01T00:00:00+00:00")
    result.findings.append(
        Finding(
            check="mysql.empty-password",
            host="192.0.2.1",
            port=3306,
            protocol="tcp",
            title="MySQL/MariaDB account without a password",
            severity="critical",
            confidence="confirmed",
            evidence=evidence.english(),
            evidence_messages=[evidence.as_dict()],
        )
    )
    result.status, result.error_message = "failed", Message("scan.nmap_missing").as_dict()
    # when it goes through its JSON form (what a probe sends)
    back = ScanResult.from_dict(result.to_dict())
    # then the codes and parameters are kept, and malformed ones are refused
    assert back.findings[0].evidence_messages == [evidence.as_dict()]
    assert back.error_message == {"code": "scan.nmap_missing", "params": {}}
    broken = result.to_dict()
    broken["findings"][0]["evidence_messages"] = [{"code": "x", "params": {"a": [1]}}]
    with pytest.raises(ResultFormatError, match="parameters"):
        ScanResult.from_dict(broken)
