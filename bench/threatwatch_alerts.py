"""Threat-watch alerts at regional scale: a catalog update of 1,000 CVEs (all added to the
KEV catalog) met with 200 establishments declaring 50 products each, to alerts raised,
one e-mail per person in a real SMTP relay and webhooks; then the exposure query.

    .venv/bin/python -m bench.threatwatch_alerts [--establishments 200] [--products 50]
        [--cves 1000] [--database-url postgresql://postgres@127.0.0.1:5432/rempart_alerts]

Goals: from the update to the e-mails delivered < 60 s; exposure query p95 < 1 s. The
declared products come from a registered exposure source (in memory, as the declared
inventory's matching would answer: 500 products of a regional catalogue, 2 CVEs each; each
establishment declares 50 of them), so the figures measure the alerts, not the matching.
Each establishment has two members; the operator's administrator follows the region.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import django_home, machine

POOL = 500  # products of the regional catalogue


def build_region(establishments: int) -> tuple[list[Any], Any]:
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    from rempart.tenancy.models import Membership, OperatorAssignment  # noqa: PLC0415
    from rempart.tenancy.tests.factories import (  # noqa: PLC0415
        EstablishmentFactory,
        OperatorFactory,
    )
    from rempart.threatwatch.alerts.models import WatchSubscription  # noqa: PLC0415

    operator = OperatorFactory()
    places = [EstablishmentFactory(operator=operator) for _ in range(establishments)]
    users = get_user_model().objects.bulk_create(
        get_user_model()(email=f"membre{i}@bench.example.org", is_active=True)
        for i in range(2 * establishments)
    )
    Membership.objects.bulk_create(
        Membership(establishment=place, user=users[2 * i + k], role=("referent", "viewer")[k])
        for i, place in enumerate(places)
        for k in (0, 1)
    )
    admin = get_user_model().objects.create(email="admin@bench.example.org", is_active=True)
    OperatorAssignment.objects.create(user=admin, operator=operator, role="admin")
    WatchSubscription.objects.create(user=admin, kind="region")
    return places, admin


def declared_source(places: list[Any], products: int, cve_ids: list[str]) -> Any:
    from rempart.threatwatch.exposure import ExposureItem  # noqa: PLC0415

    rng = random.Random(13)
    product_of = {cve_id: i % POOL for i, cve_id in enumerate(cve_ids)}
    declaring: dict[int, list[int]] = defaultdict(list)
    for place in places:
        for product in rng.sample(range(POOL), products):
            declaring[product].append(place.pk)

    def source(ids: list[str]) -> Iterator[ExposureItem]:
        for cve_id in ids:
            product = product_of.get(cve_id)
            for pk in declaring.get(product, ()) if product is not None else ():
                yield ExposureItem(
                    pk, cve_id, "declared", product, f"Logiciel {product}", "",
                    f"produit-{product}", "1.0", "firm", f"Produit déclaré : produit-{product}.",
                )  # fmt: skip

    return source


def catalog_update(cve_ids: list[str]) -> float:
    """What an import writes (CVEs, KEV entries, pending correlation), then its end."""
    from django.db import transaction  # noqa: PLC0415

    from rempart.threatwatch.models import Cve, KevEntry  # noqa: PLC0415
    from rempart.threatwatch.services.pending import (  # noqa: PLC0415
        pending_correlation_add,
        pending_correlation_run,
    )

    today = dt.datetime.now(tz=dt.UTC).date()
    with transaction.atomic():
        Cve.objects.bulk_create(
            Cve(cve_id=c, title=f"Vulnérabilité {c}", description="Exécution de code.")
            for c in cve_ids
        )
        KevEntry.objects.bulk_create(
            KevEntry(cve_id=c, vendor_project="Éditeur", product="Produit", date_added=today,
                     required_action="Apply updates per vendor instructions.")
            for c in cve_ids
        )  # fmt: skip
        pending_correlation_add(cve_ids)
    start = time.perf_counter()
    with transaction.atomic():
        pending_correlation_run()
    return time.perf_counter() - start


def deliver() -> tuple[float, int]:
    from rempart.threatwatch.alerts import delivery  # noqa: PLC0415

    start = time.perf_counter()
    delivery.webhooks_emit()
    sent = delivery.mails_send(frequency="immediate")
    return time.perf_counter() - start, sent


def exposure_times(admin: Any, member: Any, cve_ids: list[str], rounds: int) -> dict[str, float]:
    from rempart.threatwatch.exposure.selectors import exposure_list  # noqa: PLC0415

    rng = random.Random(7)
    times: dict[str, list[float]] = {
        "operator, 1 CVE": [],
        "member, 1 CVE": [],
        "operator, 20 CVEs": [],
    }
    for _ in range(rounds):
        for label, user, ids in (
            ("operator, 1 CVE", admin, [rng.choice(cve_ids)]),
            ("member, 1 CVE", member, [rng.choice(cve_ids)]),
            ("operator, 20 CVEs", admin, rng.sample(cve_ids, 20)),
        ):
            start = time.perf_counter()
            exposure_list(user=user, cve_ids=ids)
            times[label].append(time.perf_counter() - start)
    return {label: statistics.quantiles(values, n=20)[18] for label, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--establishments", type=int, default=200)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--cves", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    from rempart.phishing.tests.sink import Sink, SinkHandler  # noqa: PLC0415

    sink = Sink(SinkHandler(keep_raw=False)).start()
    import os  # noqa: PLC0415

    os.environ["REMPART_EMAIL_URL"] = f"smtp://127.0.0.1:{sink.port}"
    with tempfile.TemporaryDirectory(prefix="bench-alerts-") as home:
        django_home(Path(home), database_url=args.database_url)
        from rempart.threatwatch import exposure  # noqa: PLC0415
        from rempart.threatwatch.alerts.models import EstablishmentAlert  # noqa: PLC0415

        places, admin = build_region(args.establishments)
        cve_ids = [f"CVE-2099-{n:05d}" for n in range(args.cves)]
        exposure.register_source("declared", declared_source(places, args.products, cve_ids))
        raised = catalog_update(cve_ids)
        delivered, sent = deliver()
        alerts = EstablishmentAlert.objects.count()

        member = places[0].tenancy_membership_set.first().user
        p95 = exposure_times(admin, member, cve_ids, args.rounds)
        start = time.perf_counter()
        catalog_update_again = _replay(cve_ids)
        replay = time.perf_counter() - start
        print(machine())
        print(f"{args.establishments} establishments x {args.products} declared products, "
              f"{args.cves} CVEs added to KEV")  # fmt: skip
        print(f"alerts raised: {alerts} in {raised:.1f} s")
        print(f"e-mails: {sent} messages ({len(sink.handler.messages)} received by the relay), "
              f"webhooks and e-mails in {delivered:.1f} s")  # fmt: skip
        print(f"end to end: {raised + delivered:.1f} s")
        print(f"replayed update: {catalog_update_again} new alerts, {replay:.1f} s; relay now "
              f"{len(sink.handler.messages)} messages")  # fmt: skip
        for label, value in p95.items():
            print(f"exposure query p95 ({label}): {value * 1000:.0f} ms")
    sink.stop()


def _replay(cve_ids: list[str]) -> int:
    from django.db import transaction  # noqa: PLC0415

    from rempart.threatwatch.alerts.models import EstablishmentAlert  # noqa: PLC0415
    from rempart.threatwatch.services.pending import (  # noqa: PLC0415
        pending_correlation_add,
        pending_correlation_run,
    )

    before = EstablishmentAlert.objects.count()
    with transaction.atomic():
        pending_correlation_add(cve_ids)
        pending_correlation_run()
    from bench.threatwatch_alerts import deliver as again  # noqa: PLC0415

    again()
    return EstablishmentAlert.objects.count() - before


if __name__ == "__main__":
    main()
