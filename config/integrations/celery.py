"""Celery: embedded filesystem broker by default, Redis or RabbitMQ with REMPART_BROKER_URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab as _crontab

from config.paths import rempart_home

_env = environ.Env()  # private: config.settings star-imports this module


def filesystem_broker_options(home: Path) -> dict[str, Any]:
    """Transport options of the embedded broker: its folders in the data directory `home`."""
    return {
        "data_folder_in": str(home / "broker" / "in"),
        "data_folder_out": str(home / "broker" / "in"),
        "processed_folder": str(home / "broker" / "processed"),
        "control_folder": str(home / "broker" / "control"),
        "store_processed": False,
    }


def server_broker_options() -> dict[str, Any]:
    """Transport options of Redis and RabbitMQ: a long job is not redelivered while it runs."""
    return {"visibility_timeout": 6 * 3600}


CELERY_BROKER_URL = _env.str("REMPART_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Embedded default: a broker that needs no server. Messages are files in the data directory,
    # shared by the web process, the worker and the scheduler on this machine.
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(rempart_home())
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = server_broker_options()

CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = _env.int("REMPART_TASK_SOFT_TIME_LIMIT", default=6 * 3600)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 300
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/Paris"
# A running job renews its lease while its process lives; the beat reaps expired leases every
# half lease (rempart/jobs/lease.py): the run is resumed if its kind is resumable, else failed.
JOBS_LEASE_SECONDS = _env.float("REMPART_JOB_LEASE_SECONDS", default=120.0)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # Jobs whose process died: resumed or failed (rempart/jobs/reaper.py).
    "jobs-reap-expired": {
        "task": "jobs.reap_expired",
        "schedule": max(1.0, JOBS_LEASE_SECONDS / 2),
    },
    "accounts-purge-invitations": {
        "task": "accounts.purge_invitations",
        "schedule": 24 * 3600.0,
    },
    "scanning-launch-due-scans": {
        "task": "scanning.launch_due_scans",
        "schedule": 60.0,
    },
    "probes-silent-alert": {"task": "probes.silent_alert", "schedule": 60.0},
    "scanning-expire-acceptances": {
        "task": "scanning.expire_acceptances",
        "schedule": 6 * 3600.0,
    },
    "audit-verify-chain-nightly": {
        "task": "audit.verify_chain_scheduled",
        "schedule": 24 * 3600.0,
    },
    # Phishing: due messages of running campaigns, report mailboxes, retention purges.
    "phishing-dispatch": {"task": "phishing.dispatch", "schedule": 30.0},
    "phishing-poll-mailboxes": {"task": "phishing.poll_mailboxes", "schedule": 60.0},
    "phishing-purge": {"task": "phishing.purge_expired", "schedule": 6 * 3600.0},
    # Webhooks: due deliveries (retries; new events are sent right after their commit).
    "webhooks-deliver-due": {"task": "webhooks.deliver_due", "schedule": 30.0},
    "webhooks-purge": {"task": "webhooks.purge", "schedule": 24 * 3600.0},
    # Deadlines: reminders due (rempart/deadlines/services.py).
    "deadlines-remind": {"task": "deadlines.remind", "schedule": 60.0},
    # Attachments: files whose row was rolled back (rempart/attachments/services.py).
    "attachments-purge-orphans": {"task": "attachments.purge_orphans", "schedule": 24 * 3600.0},
    # Vulnerability catalog: NVD every 2 hours (incremental), the other sources daily.
    "threatwatch-sync-nvd": {
        "task": "threatwatch.sync_scheduled",
        "schedule": 2 * 3600.0,
        "args": (["nvd"],),
    },
    # Threat-watch alerts: e-mails held by the rate limit, the daily digest, the weekly bulletin.
    "threatwatch-alerts-send-due": {"task": "threatwatch.alerts_send_due", "schedule": 300.0},
    "threatwatch-alerts-daily-digest": {
        "task": "threatwatch.alerts_daily_digest",
        "schedule": _crontab(hour=7, minute=30),
    },
    "threatwatch-weekly-bulletin": {
        "task": "threatwatch.weekly_bulletin",
        "schedule": _crontab(day_of_week=1, hour=8, minute=0),
    },
    "threatwatch-sync-daily": {
        "task": "threatwatch.sync_scheduled",
        "schedule": 24 * 3600.0,
        "args": (["kev", "epss", "certfr"],),
    },
}
