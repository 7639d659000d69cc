"""Writing what a scan or a report saw into the inventory, a batch of hosts at a time.

Each batch reads what is known of its hosts first (outside any write transaction), then
writes assets and services with one upsert each and closes the services that were scanned
and not seen, in one short transaction: a large report never holds the database's write
lock for long (SQLite has one writer at a time), and a batch written twice gives the same
rows (an interrupted import can be run again).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any

from django.db import transaction

from rempart.core.db import write_turn
from rempart.engine.model import Host as EngineHost
from rempart.engine.model import Service as EngineService
from rempart.engine.ports import parse_spec
from rempart.scanning.choices import Criticality
from rempart.scanning.models import Asset, Service
from rempart.scanning.services.classify import guess_class
from rempart.scanning.services.upsert import Upsert, db_datetime, new_public_id

BATCH_HOSTS = 250
KNOWN = ("pk", "address", "hostnames", "mac", "mac_vendor", "os_guess", "asset_class",
         "class_set_manually", "first_seen")  # fmt: skip
NEW: tuple[Any, ...] = (
    None,
    [],
    "",
    "",
    "",
    "",
    False,
    None,
)  # what the inventory holds of a new address
ASSETS = Upsert(
    Asset,
    ["public_id", "created_at", "updated_at", "establishment", "address", "name", "hostnames",
     "mac", "mac_vendor", "os_guess", "asset_class", "class_set_manually", "criticality", "tags",
     "first_seen", "last_seen"],
    unique=["establishment", "address"],
    update=["hostnames", "mac", "mac_vendor", "os_guess", "asset_class", "last_seen",
            "updated_at"],
    returning=["id", "address"],
)  # fmt: skip
SERVICES = Upsert(
    Service,
    ["public_id", "created_at", "updated_at", "establishment", "asset", "port", "protocol",
     "name", "product", "version", "extrainfo", "cpe", "tunnel", "is_open", "first_seen",
     "last_seen"],
    unique=["asset", "port", "protocol"],
    update=["name", "product", "version", "extrainfo", "cpe", "tunnel", "is_open", "last_seen",
            "updated_at"],
)  # fmt: skip


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
        known = self._known(list(merged))
        stamp = db_datetime(self.now)
        rows = [
            self._asset_row(host, known.get(address), stamp) for address, host in merged.items()
        ]
        open_before = self._open_services([k[0] for k in known.values()])
        with write_turn(), transaction.atomic():
            ids = {str(address): pk for pk, address in ASSETS.execute(rows)}
            SERVICES.execute(
                [
                    self._service_row(ids[address], item, stamp)
                    for address, host in merged.items()
                    for item in host.services
                ]
            )
            self._close(open_before, ids, merged)
        self._remember(merged)

    def _known(self, addresses: list[str]) -> dict[str, tuple[Any, ...]]:
        """What the inventory holds of these addresses: (pk, hostnames, mac, mac vendor,
        OS, class, class set by a person, first seen)."""
        rows = Asset.objects.filter(
            establishment_id=self.establishment_id, address__in=addresses
        ).values_list(*KNOWN)
        return {str(row[1]): (row[0], *row[2:]) for row in rows}

    def _asset_row(
        self, host: EngineHost, known: tuple[Any, ...] | None, stamp: Any
    ) -> tuple[Any, ...]:
        _pk, hostnames, mac, vendor, os_guess, asset_class, manual, first_seen = known or NEW
        if not manual:
            texts = [host.os_guess, host.mac_vendor, *(s.product for s in host.services)]
            asset_class = guess_class((s.port for s in host.services), texts)
        return (
            new_public_id(), stamp, stamp, self.establishment_id, host.address, "",
            sorted(set(hostnames) | set(host.hostnames)), (host.mac or mac)[:17],
            (host.mac_vendor or vendor)[:200], (host.os_guess or os_guess)[:200], asset_class,
            manual, str(Criticality.MEDIUM), [],
            stamp if first_seen is None else db_datetime(first_seen), stamp,
        )  # fmt: skip

    def _service_row(self, asset_id: int, item: EngineService, stamp: Any) -> tuple[Any, ...]:
        return (
            new_public_id(), stamp, stamp, self.establishment_id, asset_id, item.port,
            item.protocol, item.name[:100], item.product[:200], item.version[:200],
            item.extrainfo[:300], (item.cpe[0] if item.cpe else "")[:300], item.tunnel[:10],
            True, stamp, stamp,
        )  # fmt: skip

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
        ids: dict[str, int],
        merged: dict[str, EngineHost],
    ) -> None:
        """Services open before, scanned now (their port was in the scan) and not seen."""
        seen = {
            (ids[address], item.port, item.protocol)
            for address, host in merged.items()
            for item in host.services
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
    """One host per address, as the database writes it (a report may list one twice: the
    later one's services are added), each port once."""
    merged: dict[str, EngineHost] = {}
    for host in hosts:
        address = str(ipaddress.ip_address(host.address))
        if address in merged:
            merged[address].services.extend(host.services)
        else:
            merged[address] = replace(host, address=address)
    for host in merged.values():
        host.services = list({(s.port, s.protocol): s for s in host.services}.values())
    return merged
