"""A phishing simulation end to end, as its users meet it, in headless Chromium:

the referent prepares a campaign in the UI, a second person approves it, the messages reach
a real SMTP relay (aiosmtpd); a recipient opens the received e-mail, clicks, submits the
landing page's form and lands on the teachable page; another forwards it to the report
mailbox (a real dovecot), which is polled from the UI; a scanner's hit is set apart; the
results page shows the funnel, the PDF report downloads, and the submitted password exists
nowhere in the database dump.
"""

from __future__ import annotations

import datetime as dt
import email
import subprocess
import urllib.request
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings as django_settings
from django.db import connection
from django.db.models import F
from django.test import Client

from conftest import give_totp
from rempart.phishing.models import Campaign, Target
from rempart.phishing.settings.library import library_install
from rempart.phishing.tests import engine
from rempart.phishing.tests.dovecot import (  # noqa: F401  (fixtures)
    DovecotServer,
    dovecot_fixture,
    imap_inbox_fixture,
)
from rempart.phishing.tests.factories import ReportMailboxFactory, SendingProfileFactory
from rempart.phishing.tests.sink import Sink
from tests.processes import database_url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PERSON_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
LOGIN, PASSWORD = "canary-user-5e1d", "canary-pass-c0ffee"


@pytest.fixture
def sink() -> Iterator[Sink]:
    server = Sink().start()
    yield server
    server.stop()


def _sign_in(browser: Any, user: Any, base: str) -> Any:
    """A browser context signed in as `user` (session cookie of a signed-in client)."""
    if not Authenticator.objects.filter(user=user).exists():
        give_totp(user)
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="fr-FR")
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}]
    )
    return context.new_page()


def _database_dump() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return "\n".join(connection.connection.iterdump())
    url = database_url(db)
    return subprocess.run(["pg_dump", url], capture_output=True, text=True, check=True).stdout


def _forward(raw: bytes) -> bytes:
    """What a person sends to the report mailbox: the simulation attached as .eml."""
    report = EmailMessage()
    report["From"] = "agent3@ch-alpha.example.fr"
    report["To"] = "signalement@ch-alpha.example.fr"
    report["Subject"] = "TR: message suspect"
    report.set_content("Bonjour, ce message me semble suspect.")
    report.add_attachment(raw, maintype="message", subtype="rfc822")
    return report.as_bytes()


def test_a_campaign_from_the_form_to_the_teachable_page_and_the_report(  # noqa: PLR0915
    live_server: Any,
    browser: Any,
    settings: Any,
    sink: Sink,
    imap_inbox: DovecotServer,
    establishment_a: Any,
    alice: Any,
    operator_admin: Any,
) -> None:
    base, slug = live_server.url, establishment_a.slug
    settings.PHISHING_BASE_URL = base
    group = engine.recipients(establishment_a, 6)
    SendingProfileFactory(establishment=establishment_a, name="Relais local", port=sink.port)
    library_install(establishment=establishment_a, actor=alice)
    mailbox = ReportMailboxFactory(
        establishment=establishment_a,
        host=imap_inbox.host,
        port=imap_inbox.port,
        security="none",
        username=imap_inbox.user,
        password=imap_inbox.password,
    )

    # 1. the referent prepares the campaign in the form and sends it for approval
    page = _sign_in(browser, alice, base)
    page.goto(f"{base}/e/{slug}/phishing/campaigns/new/")
    page.fill("input[name=name]", "Campagne de novembre")
    page.select_option("select[name=sending_profile]", label="Relais local")
    page.check(f"input[name=groups][value='{group.pk}']")
    page.get_by_label("Boîte aux lettres pleine (service informatique)").check()
    page.select_option("select[name=landing_page]", label="Connexion à la messagerie (intranet)")
    page.select_option("select[name=teachable_on]", "submit")
    for day in range(7):
        page.check(f"input[name=weekday_choices][value='{day}']")
    page.fill("input[name=hour_start]", "0")
    page.fill("input[name=hour_end]", "24")
    page.uncheck("input[name=skip_public_holidays]")  # the test sends today, whatever the day
    page.fill("input[name=jitter_seconds]", "0")
    page.fill("input[name=retention_until]", "2099-01-31")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"{base}/e/{slug}/phishing/campaigns/*/")
    campaign = Campaign.objects.get(name="Campagne de novembre")
    assert page.locator("[data-testid=audience]").inner_text().startswith("6 ")
    page.locator(f"form[action$='/{campaign.public_id}/submit/'] button").click()
    page.wait_for_load_state("load")

    # 2. a second person approves: the messages reach the relay
    approver = _sign_in(browser, operator_admin, base)
    approver.goto(f"{base}/e/{slug}/phishing/campaigns/{campaign.public_id}/")
    approver.locator(f"form[action$='/{campaign.public_id}/approve/'] button").click()
    approver.wait_for_load_state("load")
    received = sink.wait_for(6)
    assert len(received) == 6
    assert set(sink.handler.tokens().values()) == {1}
    # people open their mail minutes after it arrives: a hit within seconds of delivery is a
    # mail-security scanner's (PHISHING_SCANNER_SECONDS), whether it clicks, posts or gestures
    Target.objects.filter(campaign=campaign).update(sent_at=F("sent_at") - dt.timedelta(minutes=3))

    # 3. a recipient opens the e-mail, clicks, submits the form, reads the teachable page
    message = email.message_from_bytes(received[0].raw, policy=policy.default)
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    # a person's browser: a headless one is what mail-security sandboxes run ("HeadlessChrome")
    reader = browser.new_context(locale="fr-FR", user_agent=PERSON_AGENT).new_page()
    reader.set_content(html)
    reader.locator("a[href*='/p/']").first.click()
    reader.wait_for_selector("input[name=identifiant]")
    reader.fill("input[name=identifiant]", LOGIN)
    reader.fill("input[name=mot_de_passe]", PASSWORD)
    reader.locator("button[type=submit]").click()
    reader.wait_for_load_state("load")
    text = reader.locator("body").inner_text()
    assert "simulation" in text.lower()
    assert "Boîte aux lettres" in text or "boîte" in text.lower()
    reader.mouse.move(10, 10)  # a gesture: the page reports a person is there
    reader.wait_for_timeout(500)
    clicked = Target.objects.get(token=received[0].token)
    assert clicked.submitted_at is not None
    assert clicked.confirmed_at is not None

    # 4. a mail-security scanner fetches another recipient's link: set apart
    request = urllib.request.Request(
        f"{base}/p/{received[1].token}/", headers={"User-Agent": "python-requests/2.31"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200

    # 5. another recipient forwards the e-mail to the report mailbox, polled from the UI
    imap_inbox.append(_forward(received[2].raw))
    page.goto(f"{base}/e/{slug}/phishing/mailboxes/")
    page.locator(f"form[action$='/{mailbox.public_id}/poll/'] button").click()
    page.wait_for_load_state("load")
    assert Target.objects.get(token=received[2].token).reported_at is not None

    # 6. the results page: the funnel, with the scanner's hit set apart
    page.goto(f"{base}/e/{slug}/phishing/campaigns/{campaign.public_id}/")
    stage = {
        name: page.locator(f"[data-stage={name}]").inner_text()
        for name in ("sent", "clicked_raw", "clicked", "submitted", "reported")
    }
    assert stage == {
        "sent": "6",
        "clicked_raw": "2",
        "clicked": "1",
        "submitted": "1",
        "reported": "1",
    }
    assert page.locator("[data-testid=scanner] [data-signal=automated_agent]").count() == 1

    # 7. the PDF report downloads
    pdf = page.request.get(f"{base}/e/{slug}/phishing/campaigns/{campaign.public_id}/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    # 8. the submitted values exist nowhere in the database
    dump = _database_dump()
    assert "identifiant" in dump  # the field names are kept…
    assert LOGIN not in dump  # …never the values
    assert PASSWORD not in dump
