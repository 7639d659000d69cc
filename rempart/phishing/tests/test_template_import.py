"""Import of a received e-mail (`.eml`) as a draft template: subject, sender name and bodies
kept; links lead to the tracking link; scripts, forms, handlers and attachments removed;
template syntax shown as written; bad files refused with a reason and nothing created."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from rempart.audit.models import AuditEntry
from rempart.phishing.models import EmailTemplate
from rempart.phishing.sending.rendering import render_message, target_context
from rempart.phishing.settings.template_import import EmlImportError, parse_eml

pytestmark = pytest.mark.django_db
URL = "/e/ch-alpha/phishing/templates/import/"
HTML = (
    "<html><body><p>Bonjour,</p>"
    '<p>Votre boîte est pleine : <a href="https://real-vendor.example.com/login?x=1" '
    'onclick="steal()">libérez de l\'espace</a>.</p>'
    "<script>alert('x')</script>"
    '<form action="https://evil.example.com/"><input name="p"></form>'
    '<a href=\'javascript:alert(1)\'>ici</a> <img src="cid:logo@x" alt="logo">'
    "<p>Total : {{ montant }} {% now 'Y' %}</p></body></html>"
)
TEXT = "Bonjour,\nVotre boîte est pleine : https://real-vendor.example.com/login?x=1\n"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def eml(*, html: str = HTML, text: str = TEXT, attachment: bool = True) -> bytes:
    message = EmailMessage()
    message["From"] = "Service informatique <support@real-vendor.example.com>"
    message["To"] = "agent@ch-alpha.fr"
    message["Subject"] = "Votre boîte aux lettres est pleine {{ x }}"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if attachment:
        message.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf")
    return bytes(message)


def test_a_message_becomes_a_neutral_template() -> None:
    found = parse_eml(eml())
    assert found.from_name == "Service informatique"  # never the address
    assert "real-vendor.example.com/login" not in found.html
    assert found.html.count('href="{{ url }}"') == 2  # the link and the javascript: one
    for removed in ("<script", "alert('x')", "<form", "onclick", "javascript:", "cid:"):
        assert removed not in found.html
    assert found.text.count("{{ url }}") == 1
    assert found.links == 3
    assert found.left_out == 2  # the PDF and the inline logo
    rendered = render_message(
        subject=found.subject,
        html=found.html,
        text=found.text,
        context=target_context(token="t" * 32, person={}, establishment="CH Alpha", from_name="IT"),
    )
    # the message's own template syntax shows as written, the link is the tracking one
    assert "{{ montant }}" in rendered.html
    assert "{% now 'Y' %}" in rendered.html or "{% now &#x27;Y&#x27; %}" in rendered.html
    assert rendered.subject == "Votre boîte aux lettres est pleine {{ x }}"
    assert "/p/" + "t" * 32 + "/" in rendered.html
    assert "/p/" + "t" * 32 + "/" in rendered.text


def test_a_text_only_message_gets_an_html_body() -> None:
    message = EmailMessage()
    message["From"] = "RH <rh@example.org>"
    message["Subject"] = "Prime"
    message.set_content("Cliquez ici : https://example.org/prime <maintenant>\n")
    found = parse_eml(bytes(message))
    assert '<a href="{{ url }}">{{ url }}</a>' in found.html
    assert "&lt;maintenant&gt;" in found.html


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"this is not an e-mail at all", "no Subject or From header"),
        (b"From: a@b.example\r\nSubject: vide\r\n\r\n", "no text or HTML body"),
        (b"x" * (2 * 1024 * 1024 + 1), "larger than 2 MB"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(EmlImportError, match=reason):
        parse_eml(data)


def test_the_referent_imports_from_the_page(establishment_a: Any, alice: Any) -> None:
    client = Client(headers={"accept-language": "en"})
    client.force_login(alice)
    page = client.get(URL)
    assert page.status_code == 200
    response = client.post(URL, {"file": SimpleUploadedFile("msg.eml", eml())})
    template = EmailTemplate.objects.get(establishment=establishment_a)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/templates/{template.public_id}/edit/")
    assert template.name.startswith("Imported: Votre boîte aux lettres est pleine")
    assert template.from_name == "Service informatique"
    assert AuditEntry.objects.filter(object_id=str(template.public_id)).exists()
    again = client.post(URL, {"file": SimpleUploadedFile("msg.eml", eml())})
    assert again.status_code == 302  # the same message twice: numbered, not refused
    names = sorted(EmailTemplate.objects.values_list("name", flat=True))
    assert names[1].endswith("(2)")


def test_a_bad_file_shows_the_reason_and_creates_nothing(establishment_a: Any, alice: Any) -> None:
    client = Client(headers={"accept-language": "en"})
    client.force_login(alice)
    response = client.post(URL, {"file": SimpleUploadedFile("x.eml", b"not an e-mail")})
    assert response.status_code == 200
    assert "no Subject or From header" in response.content.decode()
    assert not EmailTemplate.objects.exists()


def test_a_viewer_cannot_import(establishment_a: Any, bob: Any) -> None:
    client = Client()
    client.force_login(bob)
    response = client.post(URL, {"file": SimpleUploadedFile("msg.eml", eml())})
    assert response.status_code == 403
    assert not EmailTemplate.objects.exists()
