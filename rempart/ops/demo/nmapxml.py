"""The demo's scans as nmap would write them (`nmap -sV -O -oX`), for the report import."""

from __future__ import annotations

import datetime as dt
from xml.etree.ElementTree import Element, SubElement, tostring

from rempart.ops.demo.network import Machine, Svc

NMAP_VERSION = "7.93"
TCP_PORTS = (
    "21-23,25,53,80,88,104,135,139,389,443,445,515,541,631,902,993,1433,2575,3306,3389,"
    "5432,6379,6661,8080,8443,9090,9100,9200,11112"
)
UDP_PORTS = "161"
ARGS = f"nmap -sS -sU -sV -O -p T:{TCP_PORTS},U:{UDP_PORTS} -oX -"


def nmap_xml(machines: list[Machine], *, started: dt.datetime, down: list[str]) -> bytes:
    """An nmap XML report of `machines` (up) and `down` (addresses that did not answer)."""
    start = int(started.timestamp())
    root = Element(
        "nmaprun",
        scanner="nmap",
        args=ARGS,
        start=str(start),
        version=NMAP_VERSION,
        xmloutputversion="1.05",
    )
    SubElement(root, "scaninfo", type="syn", protocol="tcp", services=TCP_PORTS)
    SubElement(root, "scaninfo", type="udp", protocol="udp", services=UDP_PORTS)
    for index, machine in enumerate(machines):
        _host(root, machine, start + 20 * (index + 1))
    for address in down:
        host = SubElement(root, "host")
        SubElement(host, "status", state="down", reason="no-response")
        SubElement(host, "address", addr=address, addrtype="ipv4")
    finished = SubElement(SubElement(root, "runstats"), "finished")
    finished.set("time", str(start + 20 * (len(machines) + 2)))
    finished.set("exit", "success")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root)


def _host(root: Element, machine: Machine, when: int) -> None:
    host = SubElement(root, "host", starttime=str(when - 15), endtime=str(when))
    SubElement(host, "status", state="up", reason="arp-response")
    SubElement(host, "address", addr=machine.address, addrtype="ipv4")
    if machine.mac_vendor:
        mac = "00:50:56:" + ":".join(f"{int(p):02X}" for p in machine.address.split(".")[1:])
        SubElement(host, "address", addr=mac, addrtype="mac", vendor=machine.mac_vendor)
    names = SubElement(host, "hostnames")
    SubElement(names, "hostname", name=machine.hostname, type="PTR")
    ports = SubElement(host, "ports")
    for svc in machine.services:
        _port(ports, svc)
    SubElement(SubElement(host, "os"), "osmatch", name=machine.os, accuracy="95")


def _port(ports: Element, svc: Svc) -> None:
    port = SubElement(ports, "port", protocol=svc.protocol, portid=str(svc.port))
    SubElement(port, "state", state="open", reason="syn-ack")
    attributes = {"name": svc.name, "method": "probed", "conf": "10"}
    for key in ("product", "version", "extrainfo", "tunnel"):
        if getattr(svc, key):
            attributes[key] = getattr(svc, key)
    service = SubElement(port, "service", attributes)
    if svc.cpe:
        SubElement(service, "cpe").text = svc.cpe
