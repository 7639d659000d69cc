"""A sending worker killed in the middle of a message loses nothing and duplicates nothing.

`rempart phishing_send` runs as a real process against the test database and a real SMTP
relay (aiosmtpd) that holds its reply to one message. The process is SIGKILLed while that
message is in flight: the relay never accepted it and its row rolls back to `queued`. A
second run sends what is left, and the relay has every message exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from rempart.phishing.campaigns import services as campaigns
from rempart.phishing.choices import CampaignStatus, TargetState
from rempart.phishing.models import Campaign, Target
from rempart.phishing.tests import engine
from rempart.phishing.tests.sink import Sink, SinkHandler
from tests.processes import REMPART, clean_env, database_url, kill_group, wait_group_gone

try:
    # One xdist worker at a time runs this module (a real process, a relay, 20 s of hold).
    GROUP = [pytest.mark.xdist_group("phishing-crash")]
except pytest.fail.Exception:  # `-p no:xdist`: the marker is unknown to --strict-markers
    GROUP = []
pytestmark = [pytest.mark.django_db(transaction=True), *GROUP]

RECIPIENTS = 40
STALL_AT = 20  # the 21st message in send order is held by the relay
STALL_SECONDS = 20.0
TIMEOUT = 60.0


@pytest.fixture
def sink() -> Iterator[Sink]:
    server = Sink(SinkHandler(keep_raw=False, stall_seconds=STALL_SECONDS)).start()
    yield server
    server.stop()


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Every process a test starts is killed with its group, whatever happens."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        kill_group(process, first=signal.SIGKILL, grace=5.0)


def phishing_send(
    processes: list[subprocess.Popen[bytes]], campaign: Campaign, log: Path
) -> subprocess.Popen[bytes]:
    """`rempart phishing_send` as a deployment runs it: production settings, the test keys
    and a DATABASE_URL naming this test's database (whose rows the test commits)."""
    env = clean_env(
        REMPART_HOME=str(settings.HOME),
        REMPART_SECRET_KEY=settings.SECRET_KEY,
        REMPART_ENCRYPTION_KEY=settings.ENCRYPTION_KEY,
        DATABASE_URL=database_url(connection.settings_dict),
    )
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(REMPART), "phishing_send", str(campaign.public_id), "--budget", "120"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    processes.append(process)
    return process


def states(campaign: Campaign) -> dict[str, str]:
    return dict(Target.objects.filter(campaign=campaign).values_list("token", "state"))


def test_a_worker_killed_mid_send_loses_and_duplicates_nothing(
    sink: Sink,
    processes: list[subprocess.Popen[bytes]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    establishment_a: Any,
    alice: Any,
    operator_admin: Any,
) -> None:
    group = engine.recipients(establishment_a, RECIPIENTS)
    campaign = engine.campaign(establishment_a, alice, port=sink.port, groups=[group])
    campaigns.campaign_submit(campaign=campaign, actor=alice)
    # In a transactional test the approval commits for real, so its on-commit dispatch would
    # run at once and send every message in this process (Celery is eager in the tests).
    # The subprocess below is the worker: the dispatch is replaced by a recorder (looked up
    # at commit time by the approval's callback), which also proves that it was requested.
    # Pointing the profile elsewhere or approving before the relay starts would still run a
    # sending round here (reconnect attempts, the campaign marked `sending`).
    dispatched: list[int] = []
    monkeypatch.setattr(campaigns, "_dispatch_soon", dispatched.append)
    assert campaigns.campaign_approve(campaign=campaign, actor=operator_admin) == RECIPIENTS
    assert dispatched == [campaign.pk]
    assert sink.handler.messages == []

    order = list(
        Target.objects.filter(campaign=campaign)
        .order_by("send_at")
        .values_list("token", "send_at", "recipient__email")
    )
    assert len({send_at for _, send_at, _ in order}) == RECIPIENTS  # one send order
    before = {token for token, _, _ in order[:STALL_AT]}
    stalled_token, _, stalled_email = order[STALL_AT]
    after = {token for token, _, _ in order[STALL_AT + 1 :]}
    sink.handler.stall_on = stalled_email.lower()

    first_log = tmp_path / "first.log"
    first = phishing_send(processes, campaign, first_log)
    if not sink.handler.stalled.wait(TIMEOUT):
        pytest.fail(f"the worker never reached the held message:\n{first_log.read_text()}")
    stalled_at = time.monotonic()
    assert first.poll() is None, first_log.read_text()  # mid-send: waiting for the reply

    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL
    assert wait_group_gone(first.pid, 10.0) == {}

    # the message in flight rolled back; those before it were accepted and committed
    after_kill = states(campaign)
    assert after_kill[stalled_token] == TargetState.QUEUED
    assert {after_kill[token] for token in before} == {TargetState.SENT}
    assert {after_kill[token] for token in after} == {TargetState.QUEUED}
    stalled = Target.objects.get(token=stalled_token)
    assert stalled.sent_at is None
    assert stalled.attempts == 0
    # the relay, once its hold is over, finds the client gone and does not accept the message
    time.sleep(max(0.0, stalled_at + STALL_SECONDS + 1.5 - time.monotonic()))
    assert set(sink.handler.tokens()) == before
    assert stalled_token not in sink.handler.tokens()
    assert set(sink.handler.tokens().values()) == {1}

    sink.handler.stall_on = ""
    second_log = tmp_path / "second.log"
    second = phishing_send(processes, campaign, second_log)
    assert second.wait(timeout=TIMEOUT) == 0, second_log.read_text()
    assert f"sent {RECIPIENTS - STALL_AT}, failed 0, deferred 0" in second_log.read_text()

    tokens = sink.handler.tokens()
    assert len(sink.handler.messages) == RECIPIENTS
    assert len(tokens) == RECIPIENTS
    assert set(tokens.values()) == {1}
    assert set(tokens) == {token for token, _, _ in order}
    assert set(states(campaign).values()) == {TargetState.SENT}
    assert not Target.objects.filter(campaign=campaign, sent_at__isnull=True).exists()
    assert Target.objects.get(token=stalled_token).attempts == 1
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING
