"""Deadlines as data: seeded and versioned rules, due times computed from the rule valid at
the start, and reminders through a real SMTP server (aiosmtpd) at the right moments, once
per step, with time frozen (never slept)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default as default_policy
from typing import Any

import pytest
import time_machine
from django.core import mail

from rempart.audit.models import AuditEntry
from rempart.core.errors import ApplicationError
from rempart.deadlines import services
from rempart.deadlines.models import DeadlineRule, add_months
from rempart.deadlines.tasks import remind_task
from rempart.phishing.tests.sink import Sink
from rempart.scanning.tests.factories import FindingFactory

pytestmark = pytest.mark.django_db
PARIS = dt.timezone(dt.timedelta(hours=1))  # winter
AWARE = dt.datetime(2026, 12, 7, 10, 0, tzinfo=PARIS)


@pytest.fixture
def smtp(settings: Any) -> Iterator[Sink]:
    """Django's real SMTP backend, sending to aiosmtpd on 127.0.0.1."""
    server = Sink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.stop()


@pytest.fixture
def breach(establishment_a: Any) -> Any:
    return FindingFactory(establishment=establishment_a)  # stands for a breach record


def _at(hours: float) -> Any:
    return time_machine.travel(AWARE + dt.timedelta(hours=hours), tick=False)


def _bodies(sink: Sink) -> list[str]:
    texts = []
    for received in sink.handler.messages:
        message = message_from_bytes(received.raw, policy=default_policy)
        texts.append(message.get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
    return texts


def test_rules_are_seeded() -> None:
    rules = {r.code: r for r in DeadlineRule.objects.filter(version=1)}
    assert rules["cnil.breach_notification"].offset == dt.timedelta(hours=72)
    assert rules["nis2.early_warning"].offset == dt.timedelta(hours=24)
    assert rules["nis2.incident_notification"].offset == dt.timedelta(hours=72)
    assert rules["nis2.final_report"].offset_months == 1
    assert rules["ans.incident_declaration"].immediate
    assert rules["ans.incident_declaration"].offset == dt.timedelta(hours=24)


def test_due_time_from_the_rule_valid_at_the_start(alice: Any, breach: Any) -> None:
    services.deadline_rule_revise(
        code="ans.incident_declaration",
        valid_from=dt.date(2027, 1, 1),
        actor=alice,
        offset=dt.timedelta(hours=12),
    )
    before = services.deadline_open(
        rule_code="ans.incident_declaration", subject=breach, start_at=AWARE
    )
    assert before.due_at == AWARE + dt.timedelta(hours=24)
    assert before.rule.version == 1
    later = FindingFactory(establishment=breach.establishment)
    after = services.deadline_open(
        rule_code="ans.incident_declaration",
        subject=later,
        start_at=dt.datetime(2027, 2, 1, 9, tzinfo=PARIS),
    )
    assert (after.rule.version, after.due_at - after.start_at) == (2, dt.timedelta(hours=12))
    # opening again returns the open deadline
    again = services.deadline_open(
        rule_code="ans.incident_declaration", subject=breach, start_at=AWARE
    )
    assert again.pk == before.pk
    with pytest.raises(ApplicationError):
        services.deadline_rule_revise(
            code="ans.incident_declaration", valid_from=dt.date(2026, 1, 1), actor=alice
        )


def test_one_month_is_a_calendar_month() -> None:
    assert add_months(dt.datetime(2027, 1, 31, 9, tzinfo=dt.UTC), 1).date() == dt.date(2027, 2, 28)
    assert add_months(dt.datetime(2026, 12, 15, 9, tzinfo=dt.UTC), 1).date() == dt.date(2027, 1, 15)


def test_reminders_reach_the_smtp_server_once_per_step(
    smtp: Sink, alice: Any, bob: Any, breach: Any
) -> None:
    # given: the CNIL 72 h clock, reminders 48 h, 24 h and 6 h before, then overdue
    with _at(0):
        deadline = services.deadline_open(
            rule_code="cnil.breach_notification", subject=breach, start_at=AWARE
        )
    # when / then: nothing before the first step, then one mail per step, never twice
    expected = [
        (23.9, 0),
        (24, 1),
        (24.5, 1),
        (47.9, 1),
        (48, 2),
        (66, 3),
        (70, 3),
        (72, 4),
        (100, 4),
    ]
    for hours, total in expected:
        with _at(hours):
            remind_task.delay()
        assert len(smtp.handler.messages) == total, f"after {hours} h"
    subjects = [m.subject for m in smtp.handler.messages]
    assert subjects[0].startswith("[Rempart] Échéance dans 48 heures : Notification de la viol")
    assert subjects[2].startswith("[Rempart] Échéance dans 6 heures")
    assert subjects[3].startswith("[Rempart] Échéance dépassée : Notification")
    assert all(m.recipients == ["alice@ch-alpha.example.org"] for m in smtp.handler.messages)
    body = _bodies(smtp)[0]
    assert "RGPD, article 33(1)" in body
    assert "10 décembre 2026 10:00" in body  # 72 h after awareness, Paris time
    assert f"/e/ch-alpha/findings/{breach.public_id}/" in body
    deadline.refresh_from_db()
    assert deadline.next_reminder_at is None
    assert AuditEntry.objects.filter(verb="deadlines.reminder.sent").count() == 4


def test_met_deadline_stops_reminders_and_owner_receives_them(
    smtp: Sink, alice: Any, analyst: Any, breach: Any
) -> None:
    with _at(0):
        deadline = services.deadline_open(
            rule_code="nis2.early_warning", subject=breach, start_at=AWARE, owner=analyst
        )
    with _at(12):
        remind_task.delay()
    assert [m.recipients for m in smtp.handler.messages] == [["olga@grades.example.org"]]
    with _at(13):
        services.deadline_meet(deadline=deadline, actor=alice)
    with _at(30):
        remind_task.delay()
    assert len(smtp.handler.messages) == 1
    deadline.refresh_from_db()
    assert not deadline.was_late()


def test_missed_steps_send_only_the_latest(smtp: Sink, alice: Any, breach: Any) -> None:
    with _at(0):
        services.deadline_open(rule_code="cnil.breach_notification", subject=breach, start_at=AWARE)
    with _at(80):  # the scheduler was down for three days
        remind_task.delay()
        remind_task.delay()
    assert [m.subject.split(":")[0] for m in smtp.handler.messages] == [
        "[Rempart] Échéance dépassée "
    ]


def test_a_refused_mail_is_tried_again(smtp: Sink, alice: Any, breach: Any) -> None:
    smtp.handler.replies["alice@ch-alpha.example.org"] = "451 Try again later"
    with _at(0):
        services.deadline_open(rule_code="nis2.early_warning", subject=breach, start_at=AWARE)
    with _at(12):
        assert services.deadlines_remind() == 0
    smtp.handler.replies.clear()
    with _at(12.1):
        assert services.deadlines_remind() == 1
    with _at(12.2):
        assert services.deadlines_remind() == 0
    assert len(smtp.handler.messages) == 1


def test_cancel_needs_a_reason(alice: Any, breach: Any) -> None:
    deadline = services.deadline_open(
        rule_code="cnil.breach_notification", subject=breach, start_at=AWARE
    )
    with pytest.raises(ApplicationError):
        services.deadline_cancel(deadline=deadline, actor=alice, reason=" ")
    services.deadline_cancel(
        deadline=deadline, actor=alice, reason="Aucune donnée personnelle concernée"
    )
    assert deadline.next_reminder_at is None
    assert not mail.outbox


def test_command_revises_a_rule() -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command(
        "deadlines",
        "revise",
        "ans.incident_declaration",
        "--hours",
        "12",
        "--from",
        "2030-01-01",
        stdout=out,
    )
    assert "v2" in out.getvalue()
    rule = DeadlineRule.objects.get(code="ans.incident_declaration", version=2)
    assert rule.offset == dt.timedelta(hours=12)
    assert rule.immediate
    with pytest.raises(CommandError):
        call_command("deadlines", "revise", "ans.incident_declaration", "--from", "hier")
    with pytest.raises(CommandError):
        call_command("deadlines", "revise", "nope", "--hours", "1", "--from", "2031-01-01")


def test_clocks_partial(alice: Any, breach: Any) -> None:
    from django.template import Context, Template
    from django.test import RequestFactory

    with _at(0):
        services.deadline_open(rule_code="cnil.breach_notification", subject=breach, start_at=AWARE)
        services.deadline_open(rule_code="nis2.early_warning", subject=breach, start_at=AWARE)
    request = RequestFactory().get("/")
    request.user = alice
    template = Template("{% load deadlines %}{% record_deadlines breach %}")
    with _at(30):
        html = template.render(Context({"request": request, "breach": breach}))
    assert "reste 1 j 18 h" in html  # CNIL: 72 h - 30 h
    assert "en retard" in html  # NIS 2 early warning: 24 h
