"""Deliverability checks (SPF, DMARC, DKIM) of a mail domain, against the real (tiny) DNS
server of `test_domains_dns` on 127.0.0.1, extended with A records for the relay."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import dns.message
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.rrset
import pytest
from django.test import Client
from django.utils import translation

from rempart.audit.models import AuditEntry
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.phishing.models import SendingDomain
from rempart.phishing.settings.deliverability import Check, deliverability_check
from rempart.phishing.settings.services import domain_verify
from rempart.phishing.tests.factories import SendingProfileFactory
from rempart.phishing.tests.test_domains_dns import TxtServer

pytestmark = pytest.mark.django_db
KEY = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC7"
DOMAIN = "ch-alpha.fr"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


class DnsServer(TxtServer):
    """TXT records as `TxtServer`, plus A records from `addresses` (name → IPv4 texts)."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: dict[str, list[str]] = {}

    def _answer(self, data: bytes) -> dns.message.Message:
        query = dns.message.from_wire(data)
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        if (
            question.rdtype not in (dns.rdatatype.A, dns.rdatatype.AAAA)
            or name not in self.addresses
        ):
            return super()._answer(data)
        response = dns.message.make_response(query)
        self.questions.append(name)
        if question.rdtype == dns.rdatatype.A:
            response.answer.append(
                dns.rrset.from_text_list(
                    question.name, 300, dns.rdataclass.IN, "A", self.addresses[name]
                )
            )
        return response


@pytest.fixture
def dns_server() -> Iterator[DnsServer]:
    server = DnsServer()
    server.thread.start()
    yield server
    server.stopped.set()
    server.thread.join(timeout=2)
    server.sock.close()


@pytest.fixture
def domain(establishment_a: Any, alice: Any) -> SendingDomain:
    row = SendingDomain.objects.create(establishment=establishment_a, domain=DOMAIN, token="t" * 32)
    domain_verify(domain=row, actor=alice)
    return row


def _publish(
    server: DnsServer, *, spf: list[str] | None = None, dmarc: list[str] | None = None
) -> None:
    server.records[DOMAIN] = ["google-site-verification=abc", *(spf or [])]
    if dmarc is not None:
        server.records[f"_dmarc.{DOMAIN}"] = dmarc


def _checks(
    server: DnsServer, domain: SendingDomain, actor: Any, **kwargs: Any
) -> dict[str, Check]:
    found = deliverability_check(domain=domain, actor=actor, resolver=server.resolver(), **kwargs)
    return {check.name: check for check in found}


# SPF ---------------------------------------------------------------------------------------


def test_spf_one_record_ending_with_all(dns_server: DnsServer, domain: Any, alice: Any) -> None:
    _publish(dns_server, spf=["v=spf1 ip4:192.0.2.10 -all"])
    spf = _checks(dns_server, domain, alice)["SPF"]
    assert spf.status == "ok"
    assert "-all" in spf.verdict
    assert spf.records == ("v=spf1 ip4:192.0.2.10 -all",)


def test_spf_absent(dns_server: DnsServer, domain: Any, alice: Any) -> None:
    _publish(dns_server)
    spf = _checks(dns_server, domain, alice)["SPF"]
    assert spf.status == "error"
    assert "No SPF record" in spf.verdict
    assert "v=spf1" in spf.fix
    del dns_server.records[DOMAIN]  # the domain itself is unknown: same verdict
    assert _checks(dns_server, domain, alice)["SPF"].status == "error"


def test_two_spf_records_are_an_error(dns_server: DnsServer, domain: Any, alice: Any) -> None:
    _publish(dns_server, spf=["v=spf1 -all", "v=spf1 include:_spf.example.org ~all"])
    spf = _checks(dns_server, domain, alice)["SPF"]
    assert spf.status == "error"
    assert "2 SPF records" in spf.verdict
    assert "single record" in spf.fix


def test_spf_without_a_strict_ending(dns_server: DnsServer, domain: Any, alice: Any) -> None:
    _publish(dns_server, spf=["v=spf1 ip4:192.0.2.10 ?all"])
    spf = _checks(dns_server, domain, alice)["SPF"]
    assert spf.status == "warning"
    assert "-all" in spf.fix


def test_relay_listed_included_or_missing(
    dns_server: DnsServer, domain: Any, alice: Any, establishment_a: Any
) -> None:
    dns_server.addresses["smtp.relais.example"] = ["192.0.2.10"]
    profile = SendingProfileFactory(establishment=establishment_a, host="smtp.relais.example")
    _publish(dns_server, spf=["v=spf1 ip4:192.0.2.0/24 ip4:not-an-ip -all"])
    relay = _checks(dns_server, domain, alice, profile=profile)["SPF and the relay"]
    assert (relay.status, "192.0.2.10" in relay.verdict) == ("ok", True)
    _publish(dns_server, spf=["v=spf1 include:_spf.relais.example -all"])
    relay = _checks(dns_server, domain, alice, profile=profile)["SPF and the relay"]
    assert relay.status == "warning"
    assert "_spf.relais.example" in relay.verdict
    by_ip = SendingProfileFactory(establishment=establishment_a, host="198.51.100.7")
    _publish(dns_server, spf=["v=spf1 ip4:192.0.2.10 -all"])
    relay = _checks(dns_server, domain, alice, profile=by_ip)["SPF and the relay"]
    assert relay.status == "error"
    assert "198.51.100.7" in relay.verdict
    unknown = SendingProfileFactory(establishment=establishment_a, host="nowhere.example")
    relay = _checks(dns_server, domain, alice, profile=unknown)["SPF and the relay"]
    assert (relay.status, "could not be resolved" in relay.verdict) == ("warning", True)


# DMARC -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "status", "words"),
    [
        ("v=DMARC1; p=reject; rua=mailto:dmarc@ch-alpha.fr", "ok", "p=reject"),
        ("v=DMARC1;p=quarantine", "ok", "p=quarantine"),
        ("v=DMARC1; p=none", "warning", "monitoring only"),
        ("v=DMARC1; rua=mailto:x@ch-alpha.fr", "error", "malformed"),
        ("v=DMARC1; p=bogus;;=;", "error", "malformed"),
    ],
)
def test_dmarc_policies(
    dns_server: DnsServer, domain: Any, alice: Any, record: str, status: str, words: str
) -> None:
    _publish(dns_server, dmarc=[record])
    dmarc = _checks(dns_server, domain, alice)["DMARC"]
    assert (dmarc.status, words in dmarc.verdict) == (status, True)
    assert dmarc.queried == f"_dmarc.{DOMAIN}"


def test_dmarc_absent(dns_server: DnsServer, domain: Any, alice: Any) -> None:
    _publish(dns_server)
    dmarc = _checks(dns_server, domain, alice)["DMARC"]
    assert dmarc.status == "error"
    assert "No DMARC record" in dmarc.verdict
    assert "p=reject" in dmarc.fix


# DKIM --------------------------------------------------------------------------------------


def test_dkim_present_for_the_typed_selector(
    dns_server: DnsServer, domain: Any, alice: Any
) -> None:
    _publish(dns_server)
    dns_server.records[f"selector1._domainkey.{DOMAIN}"] = [f"v=DKIM1; k=rsa; p={KEY}"]
    dkim = _checks(dns_server, domain, alice, selector=" Selector1 ")["DKIM"]
    assert dkim.status == "ok"
    assert "selector1" in dkim.verdict
    assert f"selector1._domainkey.{DOMAIN}" in dns_server.questions


def test_dkim_absent_revoked_or_malformed(dns_server: DnsServer, domain: Any, alice: Any) -> None:
    _publish(dns_server)
    dkim = _checks(dns_server, domain, alice)["DKIM"]
    assert (dkim.status, "No DKIM key" in dkim.verdict) == ("error", True)
    assert "selector1" in dkim.fix
    name = f"default._domainkey.{DOMAIN}"
    dns_server.records[name] = ["v=DKIM1; k=rsa; p="]
    assert "revoked" in _checks(dns_server, domain, alice)["DKIM"].verdict
    dns_server.records[name] = ["v=DKIM1; p=@@not base64@@"]
    assert "malformed" in _checks(dns_server, domain, alice)["DKIM"].verdict
    dns_server.records[name] = ["garbage without tags"]
    assert "No DKIM key" in _checks(dns_server, domain, alice)["DKIM"].verdict


def test_bad_selector_is_refused_before_any_query(
    dns_server: DnsServer, domain: Any, alice: Any
) -> None:
    for selector in ("a b", "../x", "x" * 64):
        with pytest.raises(ApplicationError, match="selector"):
            _checks(dns_server, domain, alice, selector=selector)
    assert dns_server.questions == []


# Failures and access -----------------------------------------------------------------------


def test_silent_server_is_a_clear_error(domain: Any, alice: Any) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as mute:
        mute.bind(("127.0.0.1", 0))
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers, resolver.port = ["127.0.0.1"], mute.getsockname()[1]
        resolver.lifetime = resolver.timeout = 0.5
        with pytest.raises(ApplicationError, match="No DNS server answered"):
            deliverability_check(domain=domain, actor=alice, resolver=resolver)


def test_viewer_cannot_check(dns_server: DnsServer, domain: Any, bob: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        _checks(dns_server, domain, bob)
    assert dns_server.questions == []


def test_check_from_the_screen(
    dns_server: DnsServer, domain: Any, alice: Any, bob: Any, settings: Any
) -> None:
    settings.PHISHING_DNS_RESOLVER = f"127.0.0.1:{dns_server.port}"
    _publish(dns_server, spf=["v=spf1 ip4:192.0.2.10 -all"], dmarc=["v=DMARC1; p=none"])
    url = f"/e/ch-alpha/phishing/domains/{domain.public_id}/deliverability/"
    viewer = Client(headers={"accept-language": "en"})
    viewer.force_login(bob)
    assert viewer.get(url).status_code == 403
    referent = Client(headers={"accept-language": "en"})
    referent.force_login(alice)
    listing = referent.get("/e/ch-alpha/phishing/domains/").content.decode()
    assert url in listing
    assert "Delivery: allow-listing and reports" in listing
    form_only = referent.get(url)
    assert form_only.status_code == 200
    assert dns_server.questions == []  # no query before the form is sent
    page = referent.get(url, {"selector": "default", "profile": ""}).content.decode()
    assert "One SPF record, ending with -all." in page
    assert "monitoring only" in page
    assert "No DKIM key for the selector default." in page
    assert referent.post(url).status_code == 405
    bad = referent.get(url, {"selector": "a b"}).content.decode()
    assert "letters, digits" in bad
    assert not AuditEntry.objects.filter(verb__startswith="phishing.domain.deliv").exists()
