"""Mail domain verification by DNS TXT record, against a real (tiny) authoritative DNS server
on 127.0.0.1: the right token verifies, anything else says what was found."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import dns.flags
import dns.message
import dns.rcode
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
from rempart.phishing.settings.resolver import dns_resolver
from rempart.phishing.settings.services import domain_add, domain_check_dns

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are checked in the source language (the catalogue may translate them)."""
    with translation.override("en"):
        yield


def _client(user: Any) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


class TxtServer:
    """Answers TXT questions from `records` (name → texts); NXDOMAIN for unknown names."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}
        self.questions: list[str] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port: int = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            self.sock.sendto(self._answer(data).to_wire(), peer)

    def _answer(self, data: bytes) -> dns.message.Message:
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        self.questions.append(name)
        if name not in self.records:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.TXT and self.records[name]:
            texts = [f'"{text}"' for text in self.records[name]]
            response.answer.append(
                dns.rrset.from_text_list(question.name, 300, dns.rdataclass.IN, "TXT", texts)
            )
        return response

    def resolver(self) -> dns.resolver.Resolver:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers, resolver.port = ["127.0.0.1"], self.port
        resolver.lifetime = resolver.timeout = 2.0
        return resolver


@pytest.fixture
def dns_server() -> Iterator[TxtServer]:
    server = TxtServer()
    server.thread.start()
    yield server
    server.stopped.set()
    server.thread.join(timeout=2)
    server.sock.close()


@pytest.fixture
def domain(establishment_a: Any, alice: Any) -> SendingDomain:
    return domain_add(establishment=establishment_a, domain=" CH-Alpha.fr. ", actor=alice)


def test_added_domain_is_normalised_unverified_and_audited(domain: SendingDomain) -> None:
    assert domain.domain == "ch-alpha.fr"
    assert not domain.is_verified
    assert len(domain.token) >= 24
    assert AuditEntry.objects.filter(verb="phishing.domain.added").count() == 1


def test_domain_add_refuses_a_non_domain_and_a_duplicate(
    establishment_a: Any, alice: Any, domain: SendingDomain
) -> None:
    with pytest.raises(ApplicationError, match="not a domain name"):
        domain_add(establishment=establishment_a, domain="not a domain", actor=alice)
    with pytest.raises(ApplicationError, match="already registered"):
        domain_add(establishment=establishment_a, domain="ch-alpha.fr", actor=alice)


def test_right_token_verifies_the_domain(
    dns_server: TxtServer, domain: SendingDomain, alice: Any
) -> None:
    dns_server.records["ch-alpha.fr"] = [
        "v=spf1 include:_spf.example.org -all",
        f"rempart-verification={domain.token}",
    ]
    domain_check_dns(domain=domain, actor=alice, resolver=dns_server.resolver())
    domain.refresh_from_db()
    assert domain.is_verified
    assert domain.verified_by == alice
    assert dns_server.questions == ["ch-alpha.fr"]
    entry = AuditEntry.objects.get(verb="phishing.domain.verified")
    assert entry.changes == {"domain": "ch-alpha.fr"}


def test_wrong_token_is_refused_naming_the_record_found(
    dns_server: TxtServer, domain: SendingDomain, alice: Any
) -> None:
    dns_server.records["ch-alpha.fr"] = ["rempart-verification=someone-elses-token"]
    with pytest.raises(ApplicationError) as caught:
        domain_check_dns(domain=domain, actor=alice, resolver=dns_server.resolver())
    message = str(caught.value.message)
    assert "rempart-verification=someone-elses-token" in message
    assert f"rempart-verification={domain.token}" in message  # what to publish instead
    domain.refresh_from_db()
    assert not domain.is_verified


def test_other_txt_records_only(dns_server: TxtServer, domain: SendingDomain, alice: Any) -> None:
    dns_server.records["ch-alpha.fr"] = ["v=spf1 -all", "google-site-verification=abc"]
    with pytest.raises(ApplicationError, match="2 TXT record"):
        domain_check_dns(domain=domain, actor=alice, resolver=dns_server.resolver())


def test_no_txt_record_and_unknown_domain(
    dns_server: TxtServer, domain: SendingDomain, alice: Any
) -> None:
    dns_server.records["ch-alpha.fr"] = []
    with pytest.raises(ApplicationError, match="no TXT record"):
        domain_check_dns(domain=domain, actor=alice, resolver=dns_server.resolver())
    del dns_server.records["ch-alpha.fr"]
    with pytest.raises(ApplicationError, match="does not exist"):
        domain_check_dns(domain=domain, actor=alice, resolver=dns_server.resolver())
    assert not SendingDomain.objects.get(pk=domain.pk).is_verified


def test_silent_server_is_a_clear_error(domain: SendingDomain, alice: Any) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as mute:
        mute.bind(("127.0.0.1", 0))
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers, resolver.port = ["127.0.0.1"], mute.getsockname()[1]
        resolver.lifetime = resolver.timeout = 0.5
        with pytest.raises(ApplicationError, match="No DNS server answered"):
            domain_check_dns(domain=domain, actor=alice, resolver=resolver)


def test_resolver_comes_from_the_setting(
    dns_server: TxtServer, domain: SendingDomain, alice: Any, settings: Any
) -> None:
    settings.PHISHING_DNS_RESOLVER = f"127.0.0.1:{dns_server.port}"
    resolver = dns_resolver()
    assert (resolver.nameservers, resolver.port) == (["127.0.0.1"], dns_server.port)
    dns_server.records["ch-alpha.fr"] = [f"rempart-verification={domain.token}"]
    domain_check_dns(domain=domain, actor=alice)
    assert SendingDomain.objects.get(pk=domain.pk).is_verified


def test_viewer_cannot_check(dns_server: TxtServer, domain: SendingDomain, bob: Any) -> None:
    dns_server.records["ch-alpha.fr"] = [f"rempart-verification={domain.token}"]
    with pytest.raises(PermissionDeniedError):
        domain_check_dns(domain=domain, actor=bob, resolver=dns_server.resolver())
    assert dns_server.questions == []


def test_check_from_the_screen(
    dns_server: TxtServer, domain: SendingDomain, alice: Any, bob: Any, settings: Any
) -> None:
    settings.PHISHING_DNS_RESOLVER = f"127.0.0.1:{dns_server.port}"
    url = f"/e/ch-alpha/phishing/domains/{domain.public_id}/check/"
    assert _client(bob).post(url).status_code == 403
    referent = _client(alice)
    page = referent.post(url, follow=True)
    assert "The domain ch-alpha.fr does not exist." in page.content.decode()
    assert not SendingDomain.objects.get(pk=domain.pk).is_verified
    dns_server.records["ch-alpha.fr"] = [f"rempart-verification={domain.token}"]
    page = referent.post(url, follow=True)
    assert page.status_code == 200
    assert SendingDomain.objects.get(pk=domain.pk).is_verified
    assert "rempart-verification=" not in page.content.decode()  # no record left to publish


@pytest.mark.parametrize(
    "public",
    [
        "gmail.com",
        "Outlook.FR",
        "hotmail.fr",
        "hotmail.co.uk",
        "yahoo.fr",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "icloud.com",
        "smtp.orange.fr",
    ],
)
def test_a_public_mail_service_is_refused_with_the_reason(
    establishment_a: Any, alice: Any, public: str
) -> None:
    with pytest.raises(ApplicationError, match="is a public e-mail service"):
        domain_add(establishment=establishment_a, domain=public, actor=alice)
    assert not SendingDomain.objects.exists()
    assert not AuditEntry.objects.filter(verb="phishing.domain.added").exists()


@pytest.mark.parametrize("own", ["ch-orange.fr", "free-hopital.fr", "gmail.example.fr"])
def test_an_establishments_domain_that_looks_like_one_is_accepted(
    establishment_a: Any, alice: Any, own: str
) -> None:
    assert domain_add(establishment=establishment_a, domain=own, actor=alice).domain == own


def test_a_public_domain_registered_before_cannot_be_verified(
    dns_server: TxtServer, establishment_a: Any, alice: Any, settings: Any
) -> None:
    row = SendingDomain.objects.create(establishment=establishment_a, domain="gmail.com")
    dns_server.records["gmail.com"] = [f"rempart-verification={row.token}"]
    settings.PHISHING_DNS_RESOLVER = f"127.0.0.1:{dns_server.port}"
    with pytest.raises(ApplicationError, match="is a public e-mail service"):
        domain_check_dns(domain=row, actor=alice)
    row.refresh_from_db()
    assert row.verified_at is None


def test_the_screen_says_why_a_public_domain_is_refused(establishment_a: Any, alice: Any) -> None:
    response = _client(alice).post(
        "/e/ch-alpha/phishing/domains/add/", {"domain": "gmail.com"}, follow=True
    )
    assert "“gmail.com” is a public e-mail service" in response.content.decode()
    assert not SendingDomain.objects.exists()
