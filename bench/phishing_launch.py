"""Launch of a 10,000-recipient phishing campaign: wall time of `campaign_approve` (goal: under
3 s), which freezes the variants, selects the audience and creates the targets in bulk (token,
pseudonym, variant, send time: the outbox rows), then enqueues the dispatch.

    .venv/bin/python -m bench.phishing_launch [--recipients 10000] [--runs 5]
        [--database-url postgresql://postgres@127.0.0.1:5432/rempart_bench_launch]

Builds a throw-away data directory (production settings; SQLite in it unless
`--database-url`; a PostgreSQL database named there is created for the run and dropped at the
end, so it must not exist), one establishment, one verified domain, one group of
`--recipients` people, then, for each run, a new draft campaign (campaign_save), submitted
(campaign_submit) and timed from the call to the return of campaign_approve by a second
person (the enqueueing of `phishing.dispatch_campaign` on commit, on the embedded filesystem
broker, included). The targets of earlier runs stay in the table, as they would in production.

The helpers here (data directory, throw-away PostgreSQL database, world, draft campaign) are
shared by `bench.phishing_send` and `bench.phishing_tracking`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.common import django_home, machine

DOMAIN = "ch-bench.example.fr"
SERVICES = ("Cardiologie", "Urgences", "Pharmacie", "Radiologie", "Direction", "Cuisine")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


@contextlib.contextmanager
def throwaway_database(url: str | None) -> Iterator[None]:
    """Create the PostgreSQL database named in `url` for the run, drop it at the end."""
    if not url or not url.startswith(("postgres://", "postgresql://")):
        yield
        return
    import psycopg  # noqa: PLC0415
    from psycopg import sql  # noqa: PLC0415

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections  # noqa: PLC0415

            connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextlib.contextmanager
def bench_home(prefix: str, database_url: str | None) -> Iterator[Path]:
    """A migrated throw-away data directory (and database, for PostgreSQL)."""
    with (
        tempfile.TemporaryDirectory(prefix=prefix) as tmp,
        throwaway_database(database_url),
    ):
        django_home(Path(tmp), database_url=database_url)
        yield Path(tmp)


@dataclass
class World:
    establishment: Any
    creator: Any
    approver: Any
    group: Any
    template: Any
    profile: Any


def world(recipients: int, *, port: int = 2525, connections: int = 2) -> World:
    """One establishment, its verified domain, a group of `recipients` people (bulk insert),
    a template and a sending profile (1000 msg/s, 10⁷ msg/h, `connections` lanes) on `port`."""
    from django.utils import timezone  # noqa: PLC0415

    from rempart.accounts.tests.factories import UserFactory  # noqa: PLC0415
    from rempart.phishing.models import Recipient  # noqa: PLC0415
    from rempart.phishing.tests.factories import (  # noqa: PLC0415
        EmailTemplateFactory,
        RecipientGroupFactory,
        SendingDomainFactory,
        SendingProfileFactory,
    )
    from rempart.tenancy.models import Membership  # noqa: PLC0415
    from rempart.tenancy.tests.factories import EstablishmentFactory, OperatorFactory  # noqa: PLC0415

    establishment = EstablishmentFactory(
        operator=OperatorFactory(), name="CH Bench", slug="ch-bench"
    )
    creator = UserFactory(email="referent@ch-bench.example.org")
    approver = UserFactory(email="second@ch-bench.example.org")
    for user in (creator, approver):
        Membership.objects.create(user=user, establishment=establishment, role="referent")
    SendingDomainFactory(establishment=establishment, domain=DOMAIN, verified_at=timezone.now())
    group = RecipientGroupFactory(establishment=establishment, name="Tout le personnel")
    Recipient.objects.bulk_create(
        (
            Recipient(
                establishment=establishment,
                group=group,
                email=f"agent{n:06d}@{DOMAIN}",
                first_name="Camille",
                last_name=f"Agent{n}",
                department=SERVICES[n % len(SERVICES)],
                job_family="Infirmier",
            )
            for n in range(recipients)
        ),
        batch_size=2000,
    )
    template = EmailTemplateFactory(establishment=establishment)
    profile = SendingProfileFactory(
        establishment=establishment,
        port=port,
        rate_per_second=1000,
        rate_per_hour=10**7,
        connections=connections,
    )
    return World(establishment, creator, approver, group, template, profile)


def pending_campaign(w: World, name: str) -> Any:
    """A draft (every day, all day, no jitter, launch now) submitted for approval."""
    from django.utils import timezone  # noqa: PLC0415

    from rempart.phishing.campaigns.services import campaign_save, campaign_submit  # noqa: PLC0415
    from rempart.phishing.models import Campaign  # noqa: PLC0415

    draft = Campaign(
        establishment=w.establishment,
        name=name,
        sending_profile=w.profile,
        weekdays=list(range(7)),
        hour_start=0,
        hour_end=24,
        skip_public_holidays=False,
        jitter_seconds=0,
        retention_until=timezone.localdate() + dt.timedelta(days=90),
    )
    campaign = campaign_save(
        campaign=draft, actor=w.creator, groups=[w.group], templates=[w.template]
    )
    campaign_submit(campaign=campaign, actor=w.creator)
    return campaign


def approve(w: World, campaign: Any) -> tuple[int, float]:
    """campaign_approve by the second person: (targets, seconds)."""
    from rempart.phishing.campaigns.services import campaign_approve  # noqa: PLC0415

    start = time.perf_counter()
    count = campaign_approve(campaign=campaign, actor=w.approver)
    return count, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--profile", type=Path, help="cProfile the last run into this file")
    args = parser.parse_args()
    with bench_home("rempart-bench-launch-", args.database_url):
        from django.db import connection  # noqa: PLC0415

        from rempart.phishing.models import Target  # noqa: PLC0415

        print(f"Machine: {machine()}; database: {connection.vendor}")
        started = time.perf_counter()
        w = world(args.recipients)
        print(f"{args.recipients} recipients built in {time.perf_counter() - started:.1f} s")
        times = []
        for run in range(1, args.runs + 1):
            campaign = pending_campaign(w, f"Campagne {run}")
            before = load()
            if args.profile and run == args.runs:
                import cProfile  # noqa: PLC0415

                profiler = cProfile.Profile()
                count, seconds = profiler.runcall(approve, w, campaign)
                profiler.dump_stats(args.profile)
            else:
                count, seconds = approve(w, campaign)
            stored = Target.objects.filter(campaign=campaign).count()
            if stored != count or count != args.recipients:
                raise SystemExit(f"run {run}: {count} targets returned, {stored} stored")
            times.append(seconds)
            print(f"run {run}: {count} targets in {seconds:.3f} s (load before: {before})")
        print(
            f"campaign_approve, {args.recipients} recipients, {connection.vendor}: "
            f"median {statistics.median(times):.3f} s, max {max(times):.3f} s, "
            f"min {min(times):.3f} s over {len(times)} runs; load after: {load()}"
        )


if __name__ == "__main__":
    main()
