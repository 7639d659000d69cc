"""Every message code the engine's sources emit has an English text (no bare code shown)."""

from __future__ import annotations

import re
from pathlib import Path

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
