"""Reading nmap XML (`nmap -oX`) host by host, in constant memory, through defusedxml.

The report is fed in chunks to defusedxml's SAX parser (expat underneath): entity
declarations and external references are refused, and said so. A SAX handler builds the
hosts directly (no element tree: about twice as fast as `defusedxml.ElementTree.iterparse`,
whose tree builder is pure Python), each checked as nmap writes it.
"""

from __future__ import annotations

import io
import xml.sax.handler
from collections.abc import Iterator
from typing import IO, Any
from xml.sax import SAXParseException
from xml.sax.xmlreader import AttributesImpl

from defusedxml import sax
from defusedxml.common import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden

from rempart.engine.model import Host, Service
from rempart.engine.problems import ProblemError

CHUNK = 256 * 1024
OPEN_STATES = ("open", "open|filtered")


class NmapParseError(ProblemError):
    """An nmap XML document is malformed, truncated or refused; `problem` says what and
    where (code + parameters)."""


class NmapReader:
    """Yields each `<host>` as (host, is up). Attributes of the report (`version`, scanned
    `ports`, `finished`, `error`) are filled as they are met."""

    def __init__(self, stream: IO[bytes], *, source: str) -> None:
        self.stream, self.source = stream, source
        self.version, self.finished, self.error = "", False, ""
        self.ports: dict[str, str] = {"tcp": "", "udp": ""}

    def hosts(self) -> Iterator[tuple[Host, bool]]:
        """Each host in document order; raises NmapParseError naming the first problem."""
        if not self._peek().strip():
            raise NmapParseError("nmap.empty", source=self.source)
        handler = _Handler(self)
        parser = sax.make_parser()
        parser.setContentHandler(handler)
        try:
            while chunk := self.stream.read(CHUNK):
                parser.feed(chunk)
                yield from handler.take()
            parser.close()
        except SAXParseException as exc:
            raise NmapParseError(
                "nmap.not_xml",
                source=self.source,
                line=exc.getLineNumber() or 0,
                column=exc.getColumnNumber() or 0,
            ) from exc
        except DefusedXmlException as exc:
            raise _refused(exc, self.source) from exc
        yield from handler.take()

    def _peek(self) -> bytes:
        head = self.stream.read(4096)
        self.stream.seek(-len(head), io.SEEK_CUR)
        return head


def _refused(exc: DefusedXmlException, source: str) -> NmapParseError:
    if isinstance(exc, EntitiesForbidden):
        return NmapParseError("nmap.entity_refused", source=source, entity=str(exc.name)[:100])
    if isinstance(exc, ExternalReferenceForbidden):
        return NmapParseError(
            "nmap.external_refused", source=source, entity=str(exc.sysid or "")[:200]
        )
    return NmapParseError("nmap.dtd_refused", source=source)


class _Handler(xml.sax.handler.ContentHandler):
    """Builds hosts from SAX events; `take()` hands over those completed so far."""

    def __init__(self, reader: NmapReader) -> None:
        super().__init__()
        self.reader, self.source = reader, reader.source
        self.done: list[tuple[Host, bool]] = []
        self.root = ""
        self.count = 0
        self.host: Host | None = None
        self.up = True
        self.port: dict[str, str] | None = None
        self.service: Service | None = None
        self.cpe: list[str] | None = None

    def take(self) -> list[tuple[Host, bool]]:
        done, self.done = self.done, []
        return done

    def startElement(self, name: str, attrs: AttributesImpl) -> None:  # noqa: N802  (SAX API)
        if not self.root:
            self._root(name, attrs)
        elif self.host is None:
            self._outside(name, attrs)
        elif self.port is not None:
            self._in_port(name, attrs)
        else:
            self._in_host(name, attrs)

    def endElement(self, name: str) -> None:  # noqa: N802  (SAX API)
        if name == "cpe" and self.cpe is not None and self.service is not None:
            text = "".join(self.cpe).strip()
            if text:
                self.service.cpe.append(text)
            self.cpe = None
        elif name == "port" and self.port is not None:
            self._end_port()
        elif name == "host" and self.host is not None:
            self._end_host()

    def characters(self, content: str) -> None:
        if self.cpe is not None:
            self.cpe.append(content)

    # --- elements --------------------------------------------------------------------------

    def _root(self, name: str, attrs: Any) -> None:
        if name != "nmaprun":
            raise NmapParseError("nmap.not_nmaprun", source=self.source, tag=name[:50])
        self.root = name
        self.reader.version = attrs.get("version", "")

    def _outside(self, name: str, attrs: Any) -> None:
        if name == "host":
            self.host, self.up = Host(address=""), True
            self.count += 1
        elif name == "scaninfo" and attrs.get("protocol") in self.reader.ports:
            self.reader.ports[attrs.get("protocol")] = attrs.get("services", "")
        elif name == "finished":
            self.reader.finished = attrs.get("exit", "success") == "success"
            if attrs.get("exit") == "error":
                self.reader.error = attrs.get("errormsg", "nmap reported an error")

    def _in_host(self, name: str, attrs: Any) -> None:
        host: Host = self.host  # type: ignore[assignment]
        if name == "address":
            kind = attrs.get("addrtype")
            if kind in ("ipv4", "ipv6") and not host.address:
                host.address = attrs.get("addr", "")
            elif kind == "mac":
                host.mac, host.mac_vendor = attrs.get("addr", ""), attrs.get("vendor", "")
        elif name == "hostname" and attrs.get("name"):
            host.hostnames.append(attrs.get("name"))
        elif name == "osmatch" and not host.os_guess:
            host.os_guess = attrs.get("name", "")
        elif name == "status":
            self.up = attrs.get("state") == "up"
        elif name == "port":
            self.port = {
                "protocol": attrs.get("protocol", "tcp"),
                "portid": attrs.get("portid", ""),
            }

    def _in_port(self, name: str, attrs: Any) -> None:
        port: dict[str, str] = self.port  # type: ignore[assignment]
        if name == "state":
            port["state"] = attrs.get("state", "")
        elif name == "service":
            self.service = _service(attrs)
        elif name == "cpe" and self.service is not None:
            self.cpe = []

    def _end_port(self) -> None:
        port, service = self.port or {}, self.service
        self.port, self.service = None, None
        if port.get("state") not in OPEN_STATES:
            return
        protocol, text = port["protocol"], port["portid"]
        number = int(text) if text.isdigit() else 0
        if protocol not in ("tcp", "udp") or not 0 < number < 65536:  # noqa: PLR2004
            raise NmapParseError(
                "nmap.invalid_port",
                source=self.source,
                host=self.count,
                port=f"{protocol[:10]}/{text[:10]}",
            )
        service = service or Service(port=0, protocol=protocol)
        service.port, service.protocol, service.state = number, protocol, port["state"]
        self.host.services.append(service)  # type: ignore[union-attr]

    def _end_host(self) -> None:
        host: Host = self.host  # type: ignore[assignment]
        self.host = None
        if not host.address:
            raise NmapParseError("nmap.no_address", source=self.source, host=self.count)
        self.done.append((host, self.up))


def _service(attrs: Any) -> Service:
    service = Service(port=0, protocol="tcp")
    service.name = attrs.get("name", "")
    service.product = attrs.get("product", "")
    if any(character.isspace() for character in service.name):
        # nmap 7.93's mqtt-subscribe (a version script) stores the broker's version text
        # ("mosquitto version 2.0.11") as the service *name*; real names have no space.
        service.product, service.name = service.product or service.name, ""
    service.version = attrs.get("version", "")
    service.extrainfo = attrs.get("extrainfo", "")
    service.tunnel = attrs.get("tunnel", "")
    if attrs.get("method") == "probed":
        service.identified_by = "nmap"
    return service
