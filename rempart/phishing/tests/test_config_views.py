"""Settings screens of the phishing module: groups and their CSV import (preview, confirm),
sending profiles and their test e-mail through a real SMTP server, templates and landing
pages with sandboxed previews; viewers only read, other establishments get 404."""

from __future__ import annotations

import email
import os
import smtplib
import threading
import time
from collections.abc import Iterator
from email import policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.test import Client
from django.utils import translation

from rempart.audit.models import AuditEntry
from rempart.core.errors import ApplicationError
from rempart.phishing.models import (
    EmailTemplate,
    LandingPage,
    Recipient,
    RecipientGroup,
    SendingProfile,
)
from rempart.phishing.settings import recipients
from rempart.phishing.settings import services as settings_services
from rempart.phishing.settings.library import difficulty
from rempart.phishing.settings.services import domain_verify, profile_send_test
from rempart.phishing.tests.factories import (
    CampaignVariantFactory,
    EmailTemplateFactory,
    LandingPageFactory,
    RecipientFactory,
    RecipientGroupFactory,
    SendingDomainFactory,
    SendingProfileFactory,
)
from tests.processes import free_port

pytestmark = pytest.mark.django_db
BASE = "/e/ch-alpha/phishing/"
EXCEL_FR = (
    "Nom;Prénom;Courriel;Service;Fonction\r\n"
    "Durand;Léa;lea.durand@ch-alpha.fr;Urgences;Infirmière\r\n"
    "Petit;Inès;ines.petit@gmail.com;Direction;Assistante\r\n"
    "Moreau;Paul;paul.moreau@ch-alpha.fr;Laboratoire;Biologiste\r\n"
).encode("cp1252")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are checked in the source language (the catalogue may translate them)."""
    with translation.override("en"):
        yield


def _client(user: Any) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def verified(establishment_a: Any, operator_admin: Any) -> Any:
    domain = SendingDomainFactory(establishment=establishment_a, domain="ch-alpha.fr")
    domain_verify(domain=domain, actor=operator_admin)
    return domain


# SMTP sink ---------------------------------------------------------------------------------


class Handler:
    def __init__(self, refuse: str = "") -> None:
        self.refuse = refuse
        self.envelopes: list[Any] = []
        self.lock = threading.Lock()

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp_sink() -> Iterator[tuple[Controller, Handler]]:
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def refusing_sink() -> Iterator[tuple[Controller, Handler]]:
    handler = Handler(refuse="550 5.7.1 Relaying denied")
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def _profile(establishment: Any, port: int) -> SendingProfile:
    profile: SendingProfile = SendingProfileFactory(
        establishment=establishment, port=port, from_address="dsi@ch-alpha.fr"
    )
    return profile


def _template(establishment: Any) -> EmailTemplate:
    template: EmailTemplate = EmailTemplateFactory(
        establishment=establishment,
        subject="{{ first_name }}, votre boîte est pleine",
        from_name="Service informatique",
    )
    return template


def test_test_email_arrives_rendered(
    smtp_sink: tuple[Controller, Handler], establishment_a: Any, alice: Any, verified: Any
) -> None:
    controller, handler = smtp_sink
    profile = _profile(establishment_a, controller.port)
    profile_send_test(
        profile=profile, template=_template(establishment_a), to="alice@ch-alpha.fr", actor=alice
    )
    assert len(handler.envelopes) == 1
    envelope = handler.envelopes[0]
    assert envelope.mail_from == "dsi@ch-alpha.fr"
    assert envelope.rcpt_tos == ["alice@ch-alpha.fr"]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "Camille, votre boîte est pleine"
    assert "Service informatique" in message["From"]
    html = message.get_body(("html",))
    assert html is not None
    assert "Bonjour Camille" in html.get_content()
    entry = AuditEntry.objects.get(verb="phishing.sendingprofile.tested")
    assert "alice@ch-alpha.fr" not in str(entry.changes)  # no personal data in the log


def test_test_email_refused_by_the_server(
    refusing_sink: tuple[Controller, Handler], establishment_a: Any, alice: Any, verified: Any
) -> None:
    controller, handler = refusing_sink
    profile = _profile(establishment_a, controller.port)
    with pytest.raises(ApplicationError) as caught:
        profile_send_test(
            profile=profile, template=_template(establishment_a), to="a@ch-alpha.fr", actor=alice
        )
    message = str(caught.value.message)
    assert "refused the recipient" in message
    assert "550 5.7.1 Relaying denied" in message
    assert handler.envelopes == []


def test_test_email_unreachable_server(establishment_a: Any, alice: Any, verified: Any) -> None:
    profile = _profile(establishment_a, free_port())  # nothing listens there
    with pytest.raises(ApplicationError, match="cannot be reached"):
        profile_send_test(
            profile=profile, template=_template(establishment_a), to="a@ch-alpha.fr", actor=alice
        )


def test_authentication_failure_is_named() -> None:
    profile = SendingProfile(host="relay.example.org", port=587)
    error = smtplib.SMTPAuthenticationError(535, b"5.7.8 Authentication credentials invalid")
    text = settings_services._smtp_problem(error, profile)
    assert text == "The server relay.example.org:587 refused the user name or password."


def test_test_email_outside_verified_domains_sends_nothing(
    smtp_sink: tuple[Controller, Handler], establishment_a: Any, alice: Any, verified: Any
) -> None:
    controller, handler = smtp_sink
    profile = _profile(establishment_a, controller.port)
    SendingDomainFactory(establishment=establishment_a, domain="ch-alpha.org")  # unverified
    for address in ("someone@gmail.com", "someone@ch-alpha.org"):
        with pytest.raises(ApplicationError, match="verified domain"):
            profile_send_test(
                profile=profile, template=_template(establishment_a), to=address, actor=alice
            )
    assert handler.envelopes == []
    assert not AuditEntry.objects.filter(verb="phishing.sendingprofile.tested").exists()


def test_test_email_from_the_screen(
    smtp_sink: tuple[Controller, Handler],
    establishment_a: Any,
    alice: Any,
    bob: Any,
    verified: Any,
) -> None:
    controller, handler = smtp_sink
    profile = _profile(establishment_a, controller.port)
    template = _template(establishment_a)
    url = f"{BASE}profiles/{profile.public_id}/test/"
    data = {"to": "alice@ch-alpha.fr", "template": template.pk}
    assert _client(bob).post(url, data).status_code == 403
    assert handler.envelopes == []
    page = _client(alice).post(url, data, follow=True)
    assert "The test e-mail has been accepted by the server." in page.content.decode()
    assert len(handler.envelopes) == 1


# Groups and CSV import ---------------------------------------------------------------------


def test_referent_creates_a_group_and_imports_a_french_excel_file(
    establishment_a: Any, alice: Any, verified: Any
) -> None:
    client = _client(alice)
    response = client.post(f"{BASE}groups/new/", {"name": "Soignants", "description": ""})
    group = RecipientGroup.objects.get(establishment=establishment_a, name="Soignants")
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}groups/{group.public_id}/"
    url = f"{BASE}groups/{group.public_id}/import/"
    assert client.get(url).status_code == 200

    upload = _upload(EXCEL_FR)
    preview = client.post(url, {"file": upload})
    body = preview.content.decode()
    assert preview.status_code == 200
    assert "2 new" in body
    assert "0 updated" in body
    assert "0 unchanged" in body
    assert "1 line left out" in body
    assert "gmail.com" in body
    assert "lea.durand@ch-alpha.fr" in body
    assert not Recipient.objects.filter(group=group).exists()  # nothing written yet
    stored = client.session["phishing_csv_upload"]
    path = Path(settings.HOME) / "tmp" / "phishing-imports" / stored["id"]
    assert path.read_bytes() == EXCEL_FR

    done = client.post(url, {"confirm": "1"}, follow=True)
    assert "Import done: 2 added, 0 updated, 1 line left out." in done.content.decode()
    assert sorted(Recipient.objects.filter(group=group).values_list("email", "first_name")) == [
        ("lea.durand@ch-alpha.fr", "Léa"),
        ("paul.moreau@ch-alpha.fr", "Paul"),
    ]
    assert not path.exists()
    assert "phishing_csv_upload" not in client.session
    detail = client.get(f"{BASE}groups/{group.public_id}/").content.decode()
    assert "paul.moreau@ch-alpha.fr" in detail
    assert "Biologiste" in detail


def _upload(data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("annuaire.csv", data, content_type="text/csv")


def test_second_preview_counts_updates_and_unchanged(
    establishment_a: Any, alice: Any, verified: Any
) -> None:
    group = RecipientGroupFactory(establishment=establishment_a)
    RecipientFactory(
        establishment=establishment_a,
        group=group,
        email="lea.durand@ch-alpha.fr",
        first_name="Léa",
        last_name="Durand",
        department="Urgences",
        job_family="Infirmière",
    )
    RecipientFactory(establishment=establishment_a, group=group, email="paul.moreau@ch-alpha.fr")
    body = (
        _client(alice)
        .post(f"{BASE}groups/{group.public_id}/import/", {"file": _upload(EXCEL_FR)})
        .content.decode()
    )
    assert "0 new" in body
    assert "1 updated" in body
    assert "1 unchanged" in body


def test_unreadable_file_and_expired_upload(
    establishment_a: Any, alice: Any, verified: Any
) -> None:
    group = RecipientGroupFactory(establishment=establishment_a)
    client = _client(alice)
    url = f"{BASE}groups/{group.public_id}/import/"
    page = client.post(url, {"file": _upload(b"Nom;Service\r\nDurand;Urgences\r\n")})
    assert "No e-mail column" in page.content.decode()
    assert "phishing_csv_upload" not in client.session
    expired = client.post(url, {"confirm": "1"}, follow=True)
    assert "The uploaded file has expired" in expired.content.decode()
    assert not Recipient.objects.filter(group=group).exists()


def test_old_uploads_are_purged() -> None:
    upload_id = recipients.upload_store(b"courriel\r\n")
    assert recipients.upload_load(upload_id) == b"courriel\r\n"
    # made two hours old: the other xdist workers share the data directory, and their fresh
    # uploads must survive this purge
    path = Path(settings.HOME) / "tmp" / recipients.UPLOAD_DIR / upload_id
    two_hours_ago = time.time() - 2 * 3600
    os.utime(path, (two_hours_ago, two_hours_ago))
    assert recipients.upload_purge() >= 1
    assert not path.exists()
    with pytest.raises(ApplicationError, match="expired"):
        recipients.upload_load(upload_id)
    with pytest.raises(ApplicationError, match="expired"):
        recipients.upload_load("../../secret_key")


# Profiles, templates, pages ----------------------------------------------------------------


def test_profile_password_is_kept_when_blank_and_never_shown(
    establishment_a: Any, alice: Any
) -> None:
    client = _client(alice)
    data = {
        "name": "Relais interne",
        "host": "smtp.ch-alpha.fr",
        "port": 587,
        "security": "starttls",
        "username": "simulations",
        "new_password": "S3cret-relay-pw",
        "from_address": "dsi@ch-alpha.fr",
        "headers-TOTAL_FORMS": 1,
        "headers-INITIAL_FORMS": 0,
        "headers-0-name": "X-Simulation",
        "headers-0-value": "1",
        "rate_per_second": 5,
        "rate_per_hour": 1000,
        "connections": 2,
    }
    assert client.post(f"{BASE}profiles/new/", data).status_code == 302
    profile = SendingProfile.objects.get(establishment=establishment_a, name="Relais interne")
    assert profile.password == "S3cret-relay-pw"
    assert profile.headers == {"X-Simulation": "1"}
    edit = f"{BASE}profiles/{profile.public_id}/edit/"
    assert "S3cret-relay-pw" not in client.get(edit).content.decode()
    assert client.post(edit, {**data, "new_password": "", "port": 2525}).status_code == 302
    profile.refresh_from_db()
    assert (profile.port, profile.password) == (2525, "S3cret-relay-pw")
    assert "S3cret-relay-pw" not in client.get(f"{BASE}profiles/").content.decode()
    for entry in AuditEntry.objects.filter(verb__startswith="phishing.sendingprofile"):
        assert "S3cret" not in str(entry.changes)


def test_template_that_does_not_compile_is_refused(establishment_a: Any, alice: Any) -> None:
    client = _client(alice)
    data = {
        "name": "Colis",
        "subject": "Votre colis {% if %}",
        "html": "<p>Bonjour</p>",
        "premise_alignment": "high",
    }
    page = client.post(f"{BASE}templates/new/", data)
    assert page.status_code == 200
    assert "The template cannot be read" in page.content.decode()
    assert not EmailTemplate.objects.filter(name="Colis").exists()
    response = client.post(
        f"{BASE}templates/new/",
        {**data, "subject": "Votre colis", "cues": ["urgency", "link_mismatch"]},
    )
    template = EmailTemplate.objects.get(name="Colis")
    assert response["Location"] == f"{BASE}templates/{template.public_id}/preview/"
    assert template.cues == ["urgency", "link_mismatch"]
    assert template.difficulty == difficulty(2, "high")  # computed, not typed in
    unknown = client.post(f"{BASE}templates/new/", {**data, "name": "B", "cues": ["nope"]})
    assert unknown.status_code == 200
    assert not EmailTemplate.objects.filter(name="B").exists()


def test_template_preview_is_sandboxed(establishment_a: Any, bob: Any) -> None:
    template = EmailTemplateFactory(
        establishment=establishment_a,
        html='<p>Bonjour {{ first_name }}</p><script>alert("x")</script>',
    )
    body = _client(bob).get(f"{BASE}templates/{template.public_id}/preview/").content.decode()
    assert 'sandbox=""' in body
    assert 'srcdoc="&lt;p&gt;Bonjour Camille&lt;/p&gt;&lt;script&gt;alert(&quot;x' in body
    assert "<script>alert" not in body  # never markup of the platform's page


def test_page_preview_is_sandboxed(establishment_a: Any, alice: Any) -> None:
    client = _client(alice)
    data = {"name": "Portail", "html": "<h1>{{ establishment }}</h1><script>x()</script>"}
    response = client.post(f"{BASE}pages/new/", {**data, "after_submit": "teachable"})
    page = LandingPage.objects.get(name="Portail")
    assert response["Location"] == f"{BASE}pages/{page.public_id}/preview/"
    body = client.get(response["Location"]).content.decode()
    assert 'srcdoc="&lt;h1&gt;CH Alpha&lt;/h1&gt;&lt;script&gt;x()' in body
    assert "<script>x()" not in body
    refused = client.post(f"{BASE}pages/new/", {**data, "name": "B", "after_submit": "redirect"})
    assert "Give the address to redirect to." in refused.content.decode()


def test_delete_and_protected_delete(establishment_a: Any, alice: Any) -> None:
    client = _client(alice)
    page = LandingPageFactory(establishment=establishment_a)
    assert client.post(f"{BASE}settings/page/{page.public_id}/delete/").status_code == 302
    assert not LandingPage.objects.filter(pk=page.pk).exists()
    assert client.post(f"{BASE}settings/nothing/{page.public_id}/delete/").status_code == 404
    assert AuditEntry.objects.filter(verb="phishing.landingpage.deleted").count() == 1
    used = CampaignVariantFactory(establishment=establishment_a).template
    refused = client.post(f"{BASE}settings/template/{used.public_id}/delete/", follow=True)
    assert "is used by a campaign and cannot be deleted" in refused.content.decode()
    assert EmailTemplate.objects.filter(pk=used.pk).exists()
    assert not AuditEntry.objects.filter(verb="phishing.emailtemplate.deleted").exists()


# Access ------------------------------------------------------------------------------------


@pytest.fixture
def objects_a(establishment_a: Any) -> dict[str, Any]:
    return {
        "domain": SendingDomainFactory(establishment=establishment_a),
        "group": RecipientGroupFactory(establishment=establishment_a),
        "profile": SendingProfileFactory(establishment=establishment_a),
        "template": EmailTemplateFactory(establishment=establishment_a),
        "page": LandingPageFactory(establishment=establishment_a),
    }


def _pages(slug: str, objects: dict[str, Any]) -> list[str]:
    base = f"/e/{slug}/phishing/"
    group, profile = objects["group"].public_id, objects["profile"].public_id
    template, page = objects["template"].public_id, objects["page"].public_id
    return [
        f"{base}settings/",
        f"{base}domains/",
        f"{base}groups/",
        f"{base}groups/new/",
        f"{base}groups/{group}/",
        f"{base}groups/{group}/edit/",
        f"{base}groups/{group}/import/",
        f"{base}profiles/",
        f"{base}profiles/new/",
        f"{base}profiles/{profile}/edit/",
        f"{base}templates/",
        f"{base}templates/new/",
        f"{base}templates/{template}/edit/",
        f"{base}templates/{template}/preview/",
        f"{base}pages/",
        f"{base}pages/new/",
        f"{base}pages/{page}/edit/",
        f"{base}pages/{page}/preview/",
    ]


def _posts(slug: str, objects: dict[str, Any]) -> list[str]:
    base = f"/e/{slug}/phishing/"
    return [
        f"{base}domains/add/",
        f"{base}domains/{objects['domain'].public_id}/check/",
        f"{base}groups/new/",
        f"{base}groups/{objects['group'].public_id}/edit/",
        f"{base}groups/{objects['group'].public_id}/import/",
        f"{base}profiles/new/",
        f"{base}profiles/{objects['profile'].public_id}/test/",
        f"{base}templates/new/",
        f"{base}pages/new/",
        *(f"{base}settings/{kind}/{obj.public_id}/delete/" for kind, obj in objects.items()),
    ]


def test_every_page_opens_for_the_referent(alice: Any, objects_a: dict[str, Any]) -> None:
    client = _client(alice)
    for url in _pages("ch-alpha", objects_a):
        assert client.get(url).status_code == 200, url


def test_viewer_reads_but_cannot_change(bob: Any, objects_a: dict[str, Any]) -> None:
    client = _client(bob)
    for url in _pages("ch-alpha", objects_a):
        expected = 403 if ("/new/" in url or "/edit/" in url or "/import/" in url) else 200
        assert client.get(url).status_code == expected, url
    for url in _posts("ch-alpha", objects_a):
        assert client.post(url, {"name": "x", "domain": "x.fr"}).status_code == 403, url
    assert RecipientGroup.objects.count() == 1
    assert LandingPage.objects.count() == 1


def test_other_establishment_gets_404_everywhere(
    charlie: Any, establishment_b: Any, objects_a: dict[str, Any]
) -> None:
    client = _client(charlie)
    for url in _pages("ch-alpha", objects_a):
        assert client.get(url).status_code == 404, url
    for url in _posts("ch-alpha", objects_a):
        assert client.post(url).status_code == 404, url
    # A's objects through charlie's own establishment: not found either.
    for url in _pages("ehpad-bravo", objects_a):
        if "/new/" in url or url.endswith(("/settings/", "/domains/", "s/")):
            continue
        assert client.get(url).status_code == 404, url
    for url in _posts("ehpad-bravo", objects_a):
        if "/new/" in url or url.endswith("/add/"):
            continue
        assert client.post(url).status_code == 404, url
    assert RecipientGroup.objects.filter(establishment=establishment_b).count() == 0
