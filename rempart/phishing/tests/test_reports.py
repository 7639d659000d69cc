"""Reports by staff, read from a real IMAP server (dovecot on 127.0.0.1): simulations are
recognised however they are forwarded, other messages land in the triage queue, nothing
is counted twice or for another establishment, and nothing is lost on failure."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from rempart.audit.models import AuditEntry
from rempart.phishing.models import Interaction, PhishReport, ReportMailbox, Target
from rempart.phishing.reports import imap
from rempart.phishing.reports.services import (
    extract_tokens,
    mailbox_save,
    report_ingest,
    report_triage,
)
from rempart.phishing.sending.headers import TOKEN_HEADER
from rempart.phishing.sending.rendering import RenderedMessage, tracking_url
from rempart.phishing.sending.smtp import message_bytes
from rempart.phishing.tests.dovecot import (  # noqa: F401  (fixtures)
    DovecotServer,
    dovecot_fixture,
    imap_inbox_fixture,
)
from rempart.phishing.tests.factories import (
    PhishReportFactory,
    ReportMailboxFactory,
    SendingProfileFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db

REPORTER = "agent.accueil@ch-alpha.example.org"
LONG_TEXT = "Bonjour, voici le message reçu ce matin, il me semble louche. " * 4


def _message(subject: str, *, sender: str = REPORTER, message_id: str = "") -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "signalement@ch-alpha.example.org"
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    return message


def _simulation(token: str, *, header: bool = True, link: bool = True) -> EmailMessage:
    """The simulated message as the target received it."""
    original = _message("Votre boîte aux lettres est pleine", sender="Support <it@ch-alpha.test>")
    if header:
        original[TOKEN_HEADER] = token
    url = tracking_url(token) if link else "https://www.ch-alpha.example.org/"
    original.set_content(f"Libérez de l'espace : {url}")
    original.add_alternative(f'<p><a href="{url}">Libérer</a></p>', subtype="html")
    return original


@pytest.fixture
def mailbox(establishment_a: Any, imap_inbox: DovecotServer) -> ReportMailbox:
    mailbox: ReportMailbox = ReportMailboxFactory(
        establishment=establishment_a,
        host=imap_inbox.host,
        port=imap_inbox.port,
        security="none",
        username=imap_inbox.user,
        password=imap_inbox.password,
    )
    return mailbox


@pytest.fixture
def target(establishment_a: Any) -> Target:
    target: Target = TargetFactory(establishment=establishment_a, state="sent")
    return target


def _poll(server: DovecotServer, mailbox: ReportMailbox, *messages: bytes) -> imap.PollResult:
    for raw in messages:
        server.append(raw)
    result = imap.mailbox_poll(mailbox=mailbox, timeout=10)
    mailbox.refresh_from_db()
    return result


def _assert_counted(target: Target, report: PhishReport) -> None:
    target.refresh_from_db()
    assert report.kind == "simulation"
    assert report.target == target
    assert report.reporter == ""
    assert report.original_from == ""
    assert report.urls == []
    assert target.reported_at is not None
    assert Interaction.objects.filter(target=target, kind="report").count() == 1


# --- recognising simulations -------------------------------------------------------------


def test_inline_forward_with_quoted_printable_html_link(
    imap_inbox: DovecotServer, mailbox: ReportMailbox, target: Target
) -> None:
    # given: an inline forward (no header kept), HTML in quoted-printable, long lines
    forward = _message("TR: Votre boîte aux lettres est pleine", message_id="<fw1@ch-alpha>")
    url = tracking_url(target.token)
    forward.set_content(LONG_TEXT + url, cte="quoted-printable")
    html = f'<div style="font-family:Calibri">{LONG_TEXT}<a href="{url}">Libérer</a></div>'
    forward.add_alternative(html, subtype="html", cte="quoted-printable")
    raw = forward.as_bytes()
    assert b"=\n" in raw or b"=\r\n" in raw  # soft line breaks really occur
    # when
    result = _poll(imap_inbox, mailbox, raw)
    # then
    assert (result.error, result.simulations, result.suspicious) == ("", 1, 0)
    _assert_counted(target, PhishReport.objects.get(mailbox=mailbox))
    assert mailbox.last_error == ""
    assert mailbox.last_polled_at is not None
    assert imap_inbox.unseen() == 0


def test_forward_as_attached_eml_file(
    imap_inbox: DovecotServer, mailbox: ReportMailbox, target: Target
) -> None:
    # given: the original (link only, no header) as a base64 `.eml` attachment
    forward = _message("Message suspect", message_id="<fw2@ch-alpha>")
    forward.set_content("Voir la pièce jointe.")
    original = _simulation(target.token, header=False).as_bytes()
    forward.add_attachment(
        original, maintype="application", subtype="octet-stream", filename="message.eml"
    )
    raw = forward.as_bytes()
    assert target.token.encode() not in raw  # only found after base64 decoding
    # when
    result = _poll(imap_inbox, mailbox, raw)
    # then
    assert result.simulations == 1
    _assert_counted(target, PhishReport.objects.get(mailbox=mailbox))


def test_forward_as_message_rfc822_with_header_only(
    imap_inbox: DovecotServer, mailbox: ReportMailbox, target: Target
) -> None:
    # given: a "report phishing" button attaching the original, whose links are neutral
    forward = _message("Signalement", message_id="<fw3@ch-alpha>")
    forward.set_content("Signalé depuis Outlook.")
    forward.add_attachment(_simulation(target.token, link=False))
    # when
    result = _poll(imap_inbox, mailbox, forward.as_bytes())
    # then
    assert result.simulations == 1
    _assert_counted(target, PhishReport.objects.get(mailbox=mailbox))


def test_redirected_original_with_header_only(
    imap_inbox: DovecotServer, mailbox: ReportMailbox, target: Target
) -> None:
    original = _simulation(target.token, link=False)
    original["Message-ID"] = "<sim-1@ch-alpha>"
    result = _poll(imap_inbox, mailbox, original.as_bytes())
    assert result.simulations == 1
    _assert_counted(target, PhishReport.objects.get(mailbox=mailbox))


def test_safe_links_wrapped_link(
    imap_inbox: DovecotServer, mailbox: ReportMailbox, target: Target
) -> None:
    # given: Microsoft Defender rewrote the link; the text part is base64
    wrapped = (
        "https://eur01.safelinks.protection.outlook.com/?url="
        + quote(tracking_url(target.token), safe="")
        + "&data=05%7C02%7Cagent%40ch-alpha.fr%7Cabc&sdata=xyz%3D&reserved=0"
    )
    forward = _message("TR: boîte pleine", message_id="<fw4@ch-alpha>")
    forward.set_content(f"Lien : {wrapped}", cte="base64")
    # when
    result = _poll(imap_inbox, mailbox, forward.as_bytes())
    # then
    assert result.simulations == 1
    _assert_counted(target, PhishReport.objects.get(mailbox=mailbox))


def test_extract_tokens_joins_soft_breaks_in_a_damaged_message(target: Target) -> None:
    # given: a message whose MIME headers were lost, the token split by a soft break
    token = target.token
    raw = (
        b'Subject: broken\r\n\r\n<a href=3D"https://phish.example/p/'
        + token[:10].encode()
        + b"=\r\n"
        + token[10:].encode()
        + b'/">ici</a>\r\n'
    )
    # then
    assert extract_tokens(raw) == [token]


def test_extract_tokens_header_first_and_double_encoded() -> None:
    token_a, token_b = "A" * 32, "b-_" + "c" * 29
    twice = quote(quote(f"https://x.example/p/{token_b}/", safe=""), safe="")
    raw = f"{TOKEN_HEADER}: {token_a}\r\nSubject: s\r\n\r\nhttps://r.example/?u={twice}\r\n"
    assert extract_tokens(raw.encode()) == [token_a, token_b]


def test_a_second_report_keeps_the_first_reported_at(
    imap_inbox: DovecotServer, mailbox: ReportMailbox, target: Target
) -> None:
    first = _simulation(target.token)
    first["Message-ID"] = "<one@ch-alpha>"
    _poll(imap_inbox, mailbox, first.as_bytes())
    target.refresh_from_db()
    reported_at = target.reported_at
    second = _simulation(target.token)
    second["Message-ID"] = "<two@ch-alpha>"
    result = _poll(imap_inbox, mailbox, second.as_bytes())
    target.refresh_from_db()
    assert result.simulations == 1
    assert target.reported_at == reported_at
    assert Interaction.objects.filter(target=target, kind="report").count() == 2


# --- the triage queue --------------------------------------------------------------------


def test_real_phishing_lands_in_triage(imap_inbox: DovecotServer, mailbox: ReportMailbox) -> None:
    # given: a real phishing message forwarded as an attachment
    phish = _message("Paie : action requise", sender="Service Paie <paie@rh-portail.example>")
    phish.set_content(
        "Validez vos coordonnées : https://eur01.safelinks.protection.outlook.com/?url="
        + quote("https://rh-portail.example/login?id=42", safe="")
        + "&data=x et http://autre.example/a."
    )
    forward = _message("TR: Paie : action requise", message_id="<real@ch-alpha>")
    forward.set_content("Est-ce normal ?")
    forward.add_attachment(phish)
    # when
    result = _poll(imap_inbox, mailbox, forward.as_bytes())
    # then
    report = PhishReport.objects.get(mailbox=mailbox)
    assert (result.suspicious, result.simulations) == (1, 0)
    assert report.kind == "suspicious"
    assert report.target is None
    assert report.triage_state == "new"
    assert report.reporter == REPORTER
    assert report.original_from == "Service Paie <paie@rh-portail.example>"
    assert report.subject == "TR: Paie : action requise"
    assert report.urls == ["https://rh-portail.example/login?id=42", "http://autre.example/a"]
    assert report.message_id == "<real@ch-alpha>"


def test_token_of_another_establishment_does_not_count(
    imap_inbox: DovecotServer, mailbox: ReportMailbox, establishment_b: Any
) -> None:
    # given: a target of establishment B reported to A's mailbox
    foreign = TargetFactory(establishment=establishment_b)
    original = _simulation(foreign.token)
    original["Message-ID"] = "<foreign@ch-alpha>"
    # when
    result = _poll(imap_inbox, mailbox, original.as_bytes())
    # then
    foreign.refresh_from_db()
    report = PhishReport.objects.get(mailbox=mailbox)
    assert result.simulations == 0
    assert report.kind == "suspicious"
    assert report.target is None
    assert foreign.reported_at is None
    assert not Interaction.objects.filter(kind="report").exists()
    assert not PhishReport.objects.filter(establishment=establishment_b).exists()


def test_garbage_message_is_kept_for_triage(
    imap_inbox: DovecotServer, mailbox: ReportMailbox
) -> None:
    raw = b"\x00\xff\xfe garbage =?utf-8?q?=ZZ?= \r\nContent-Type: multipart/mixed; boundary=\r\n"
    raw += bytes(range(256)) + b"\r\nhttps://bad.example/x\r\n"
    result = _poll(imap_inbox, mailbox, raw)
    report = PhishReport.objects.get(mailbox=mailbox)
    assert (result.error, result.failed, result.suspicious) == ("", 0, 1)
    assert report.kind == "suspicious"
    assert report.message_id.startswith("<sha256-")
    assert imap_inbox.unseen() == 0


def test_report_ingest_never_raises_on_undecodable_parts(mailbox: ReportMailbox) -> None:
    raw = (
        b"From: =?x-unknown?b?!!!?= <a@b>\r\nSubject: =?utf-8?b?####?=\r\nMessage-ID: <g@x>\r\n"
        b'Content-Type: text/plain; charset="no-such-charset"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n%%%% not base64 %%%%\r\n"
    )
    report = report_ingest(mailbox=mailbox, raw=raw)
    assert report is not None
    assert report.kind == "suspicious"
    assert report.message_id == "<g@x>"


def test_same_message_twice_is_recorded_once(
    imap_inbox: DovecotServer, mailbox: ReportMailbox, target: Target
) -> None:
    original = _simulation(target.token)
    original["Message-ID"] = "<twice@ch-alpha>"
    raw = original.as_bytes()
    result = _poll(imap_inbox, mailbox, raw, raw)
    assert (result.fetched, result.simulations, result.duplicates) == (2, 1, 1)
    assert PhishReport.objects.filter(mailbox=mailbox).count() == 1
    assert Interaction.objects.filter(target=target, kind="report").count() == 1
    assert report_ingest(mailbox=mailbox, raw=raw) is None
    assert imap_inbox.unseen() == 0


# --- failures ----------------------------------------------------------------------------


def test_wrong_password_is_reported_and_nothing_is_lost(
    imap_inbox: DovecotServer, mailbox: ReportMailbox, target: Target
) -> None:
    # given
    imap_inbox.append(_simulation(target.token).as_bytes())
    mailbox.password = "wrong"
    mailbox.save()
    # when
    with translation.override("en"):
        result = imap.mailbox_poll(mailbox=mailbox, timeout=10)
    # then
    mailbox.refresh_from_db()
    assert not result.ok
    assert mailbox.last_error.startswith("Authentication refused for signalement")
    assert mailbox.last_polled_at is not None
    assert not PhishReport.objects.exists()
    assert imap_inbox.unseen() == 1


def test_unreachable_host(establishment_a: Any) -> None:
    from rempart.phishing.tests.dovecot import free_port

    mailbox = ReportMailboxFactory(
        establishment=establishment_a, port=free_port(), security="none", password="x"
    )
    with translation.override("en"):
        result = imap.mailbox_poll(mailbox=mailbox, timeout=5)
    mailbox.refresh_from_db()
    assert mailbox.last_error == f"Connection refused by 127.0.0.1:{mailbox.port}."
    assert result.error == mailbox.last_error


def test_a_failed_recording_leaves_the_message_unseen(
    imap_inbox: DovecotServer,
    mailbox: ReportMailbox,
    target: Target,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: the database refuses the first attempt
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(imap, "report_ingest", broken)
    result = _poll(imap_inbox, mailbox, _simulation(target.token).as_bytes())
    assert (result.failed, result.error) == (1, "")
    assert imap_inbox.unseen() == 1
    # when: the next poll works
    monkeypatch.undo()
    result = imap.mailbox_poll(mailbox=mailbox, timeout=10)
    # then
    assert result.simulations == 1
    assert imap_inbox.unseen() == 0


def test_poll_all_reads_enabled_mailboxes_only(
    imap_inbox: DovecotServer, mailbox: ReportMailbox, target: Target, establishment_a: Any
) -> None:
    ReportMailboxFactory(establishment=establishment_a, enabled=False, port=1)
    imap_inbox.append(_simulation(target.token).as_bytes())
    from rempart.phishing.tasks import poll_mailboxes_task

    assert poll_mailboxes_task.delay().get() == 1
    assert PhishReport.objects.filter(kind="simulation").count() == 1


# --- services and views ------------------------------------------------------------------


def test_triage_is_audited(establishment_a: Any, alice: Any) -> None:
    report = PhishReportFactory(establishment=establishment_a)
    report_triage(report=report, state="phishing", actor=alice)
    report.refresh_from_db()
    assert (report.triage_state, report.triaged_by) == ("phishing", alice)
    entry = AuditEntry.objects.get(verb="phishing.report.triaged")
    assert entry.changes == {"triage_state": ["new", "phishing"]}


def test_mailbox_password_is_write_only(establishment_a: Any, alice: Any) -> None:
    mailbox = ReportMailboxFactory(establishment=establishment_a, password="secret-1")
    client = Client()
    client.force_login(alice)
    url = reverse("phishing:mailbox_edit", args=[establishment_a.slug, mailbox.public_id])
    page = client.get(url)
    assert page.status_code == 200
    assert "secret-1" not in page.content.decode()
    data = {
        "name": "Signalement",
        "host": "imap.ch-alpha.example.org",
        "port": 993,
        "security": "tls",
        "username": "signalement",
        "folder": "INBOX",
        "enabled": "on",
        "password": "",
    }
    assert client.post(url, data).status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.host, mailbox.password) == ("imap.ch-alpha.example.org", "secret-1")
    assert client.post(url, {**data, "password": "secret-2"}).status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.password == "secret-2"
    entry = AuditEntry.objects.filter(verb="phishing.mailbox.updated").last()
    assert entry is not None
    assert "secret" not in str(entry.changes)


def test_mailbox_save_creates(establishment_a: Any, alice: Any) -> None:
    mailbox = ReportMailbox(
        establishment=establishment_a, name="S", host="h.example", username="u", port=143
    )
    mailbox_save(mailbox=mailbox, actor=alice, password="p")
    assert ReportMailbox.objects.get(pk=mailbox.pk).password == "p"


def test_poll_now_button(alice: Any, mailbox: ReportMailbox, imap_inbox: DovecotServer) -> None:
    client = Client()
    client.force_login(alice)
    url = reverse("phishing:mailbox_poll", args=[mailbox.establishment.slug, mailbox.public_id])
    imap_inbox.append(b"From: a@b.example\r\nSubject: test\r\n\r\nbody\r\n")
    response = client.post(url, follow=True)
    assert response.status_code == 200
    notices = [(m.level_tag, m.message) for m in response.context["messages"]]
    assert len(notices) == 1
    assert notices[0][0] == "success"
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""
    assert mailbox.reports.get().subject == "test"


def test_triage_page_lists_suspicious_reports(
    establishment_a: Any, alice: Any, target: Target
) -> None:
    PhishReportFactory(establishment=establishment_a, subject="Facture impayée n°42")
    PhishReportFactory(establishment=establishment_a, kind="simulation", target=target)
    client = Client()
    client.force_login(alice)
    response = client.get(reverse("phishing:report_list", args=[establishment_a.slug]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Facture impayée n°42" in content
    assert len(response.context["reports"]) == 1
    assert response.context["counts"]["simulation"] == 1


def test_triage_buttons(establishment_a: Any, alice: Any, bob: Any) -> None:
    report = PhishReportFactory(establishment=establishment_a)
    url = reverse("phishing:report_triage", args=[establishment_a.slug, report.public_id])
    viewer = Client()
    viewer.force_login(bob)
    assert viewer.post(url, {"state": "spam"}).status_code == 403
    client = Client()
    client.force_login(alice)
    detail = client.get(
        reverse("phishing:report_detail", args=[establishment_a.slug, report.public_id])
    )
    assert 'name="state" value="phishing"' in detail.content.decode()
    assert client.post(url, {"state": "spam"}).status_code == 302
    report.refresh_from_db()
    assert report.triage_state == "spam"


def test_pages_hide_other_establishments(
    establishment_a: Any, establishment_b: Any, charlie: Any
) -> None:
    report = PhishReportFactory(establishment=establishment_a)
    mailbox = ReportMailboxFactory(establishment=establishment_a)
    client = Client()
    client.force_login(charlie)
    slug = establishment_a.slug
    for url in (
        reverse("phishing:report_list", args=[slug]),
        reverse("phishing:report_detail", args=[slug, report.public_id]),
        reverse("phishing:mailbox_list", args=[slug]),
        reverse("phishing:mailbox_edit", args=[slug, mailbox.public_id]),
    ):
        assert client.get(url).status_code == 404, url
    # their own establishment's URL does not reach A's objects either
    own = establishment_b.slug
    detail = reverse("phishing:report_detail", args=[own, report.public_id])
    assert client.get(detail).status_code == 404
    poll = reverse("phishing:mailbox_poll", args=[own, mailbox.public_id])
    assert client.post(poll).status_code == 404


def test_a_simulation_attached_base64_encoded_as_message_rfc822_is_recognised() -> None:
    """Some tools (and Python's `add_attachment(bytes)`) base64-encode a message/rfc822
    part, which RFC 2046 forbids: the token is found in the decoded message all the same."""
    token = "AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHH"
    rendered = RenderedMessage("Sujet é", f'<a href="{tracking_url(token)}">lien</a>', "texte")
    profile = SendingProfileFactory.build(from_address="it@ch-alpha.example.fr")
    original = message_bytes(profile=profile, to="a@ch-alpha.example.fr", rendered=rendered)
    forward = EmailMessage()
    forward["Subject"] = "TR: suspect"
    forward.set_content("Message suspect")
    forward.add_attachment(original, maintype="message", subtype="rfc822")
    assert token not in forward.as_string()
    assert extract_tokens(forward.as_bytes()) == [token]
