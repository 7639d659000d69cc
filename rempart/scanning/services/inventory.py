"""Writing what a scan or a report saw into the inventory, a batch of hosts at a time.

Each batch reads what is known of its hosts first (outside any write transaction), then
writes assets and services with one upsert each and closes the services that were scanned
and not seen, in one short transaction: a large report never holds the database's write
lock for long (SQLite has one writer at a time), and a batch written twice gives the same
rows (an interrupted import can be run again).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db import transaction

from rempart.core.db import write_turn
from rempart.engine.model import Host as EngineHost
from rempart.engine.model import Service as EngineService
from rempart.engine.ports import parse_spec
from rempart.scanning.models import Asset, Service
from rempart.scanning.services.classify import guess_class

BATCH_HOSTS = 500
ASSET_UPDATED = ["hostnames", "mac", "mac_vendor", "os_guess", "asset_class", "last_seen"]
SERVICE_UPDATED = ["name", "product", "version", "extrainfo", "cpe", "tunnel", "is_open"]


def batches(hosts: Iterable[EngineHost], size: int = BATCH_HOSTS) -> Iterator[list[EngineHost]]:
    iterator = iter(hosts)
    while batch := list(islice(iterator, size)):
        yield batch


def scanned_ports(tcp: str, udp: str) -> dict[str, set[int]]:
    return {"tcp": _ports(tcp), "udp": _ports(udp)}


def _ports(spec: str) -> set[int]:
    try:
        return set(parse_spec(spec)) if spec else set()
    except ValueError:
        return set()


@dataclass
class InventoryWriter:
    """Writes batches of hosts for one scan; remembers what was seen for the lifecycle."""

    establishment_id: int
    scanned: dict[str, set[int]]
    now: dt.datetime
    seen: dict[str, set[tuple[int, str]]] = field(default_factory=dict)
    hosts: int = 0
    services: int = 0

    def write(self, hosts: list[EngineHost]) -> None:
        """Upsert one batch of hosts and their services (one short transaction)."""
        merged = _merge_duplicates(hosts)
        known = {
            a.address: a
            for a in Asset.objects.filter(
                establishment_id=self.establishment_id, address__in=list(merged)
            ).only(
                "pk",
                "address",
                "hostnames",
                "mac",
                "mac_vendor",
                "os_guess",
                "asset_class",
                "class_set_manually",
                "first_seen",
            )
        }
        assets = [self._asset(host, known.get(address)) for address, host in merged.items()]
        open_before = self._open_services([a.pk for a in known.values()])
        with write_turn(), transaction.atomic():
            Asset.objects.bulk_create(
                assets,
                update_conflicts=True,
                unique_fields=["establishment", "address"],
                update_fields=[*ASSET_UPDATED, "updated_at"],
            )
            services = [
                self._service(asset.pk, item)
                for asset in assets
                for item in _unique_services(merged[asset.address])
            ]
            Service.objects.bulk_create(
                services,
                update_conflicts=True,
                unique_fields=["asset", "port", "protocol"],
                update_fields=[*SERVICE_UPDATED, "last_seen", "updated_at"],
            )
            self._close(open_before, assets, merged)
        self._remember(merged)

    def _asset(self, host: EngineHost, known: Asset | None) -> Asset:
        texts = [host.os_guess, host.mac_vendor, *(s.product for s in host.services)]
        asset_class = (
            known.asset_class
            if known is not None and known.class_set_manually
            else guess_class((s.port for s in host.services), texts)
        )
        return Asset(
            establishment_id=self.establishment_id,
            address=host.address,
            hostnames=sorted(set(known.hostnames if known else []) | set(host.hostnames)),
            mac=(host.mac or (known.mac if known else ""))[:17],
            mac_vendor=(host.mac_vendor or (known.mac_vendor if known else ""))[:200],
            os_guess=(host.os_guess or (known.os_guess if known else ""))[:200],
            asset_class=asset_class,
            first_seen=known.first_seen if known else self.now,
            last_seen=self.now,
        )

    def _service(self, asset_id: int, item: EngineService) -> Service:
        return Service(
            establishment_id=self.establishment_id,
            asset_id=asset_id,
            port=item.port,
            protocol=item.protocol,
            name=item.name[:100],
            product=item.product[:200],
            version=item.version[:200],
            extrainfo=item.extrainfo[:300],
            cpe=(item.cpe[0] if item.cpe else "")[:300],
            tunnel=item.tunnel[:10],
            is_open=True,
            first_seen=self.now,
            last_seen=self.now,
        )

    @staticmethod
    def _open_services(asset_ids: list[int]) -> list[tuple[int, int, int, str]]:
        if not asset_ids:
            return []
        return list(
            Service.objects.filter(asset_id__in=asset_ids, is_open=True).values_list(
                "pk", "asset_id", "port", "protocol"
            )
        )

    def _close(
        self,
        open_before: list[tuple[int, int, int, str]],
        assets: list[Asset],
        merged: dict[str, EngineHost],
    ) -> None:
        """Services open before, scanned now (their port was in the scan) and not seen."""
        seen = {
            (asset.pk, item.port, item.protocol)
            for asset in assets
            for item in merged[asset.address].services
        }
        closed = [
            pk
            for pk, asset_id, port, protocol in open_before
            if (asset_id, port, protocol) not in seen and port in self.scanned.get(protocol, ())
        ]
        for start in range(0, len(closed), 500):
            Service.objects.filter(pk__in=closed[start : start + 500]).update(
                is_open=False, updated_at=self.now
            )

    def _remember(self, merged: dict[str, EngineHost]) -> None:
        for address, host in merged.items():
            ports = {(s.port, s.protocol) for s in host.services}
            self.services += len(ports)
            self.seen.setdefault(address, set()).update(ports)
        self.hosts += len(merged)


def _merge_duplicates(hosts: list[EngineHost]) -> dict[str, EngineHost]:
    """One host per address (a report may list one twice): the later one's services added."""
    merged: dict[str, EngineHost] = {}
    for host in hosts:
        if host.address in merged:
            merged[host.address].services.extend(host.services)
        else:
            merged[host.address] = host
    return merged


def _unique_services(host: EngineHost) -> list[EngineService]:
    return list({(s.port, s.protocol): s for s in host.services}.values())
