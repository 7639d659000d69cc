"""QR-code lures end to end against a real SMTP server (aiosmtpd): the `{{ qr_code }}` image is
embedded (multipart/related, Content-ID) and encodes the recipient's own tracked link;
templates without it are sent as before; previews show a QR code of a fictitious link."""

from __future__ import annotations

import email
import struct
import subprocess
import zlib
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from rempart.phishing.campaigns.services import campaign_approve, campaign_submit
from rempart.phishing.models import Target
from rempart.phishing.sending import qr
from rempart.phishing.sending.rendering import preview_context, render_message, tracking_url
from rempart.phishing.settings.library_content import MFA_QR
from rempart.phishing.tests import engine
from rempart.phishing.tests.factories import EmailTemplateFactory
from rempart.phishing.tests.sink import Sink

pytestmark = pytest.mark.django_db

QR_HTML = "<p>Bonjour {{ first_name }}</p><p>{{ qr_code }}</p>{{ tracker }}"


@pytest.fixture
def sink() -> Iterator[Sink]:
    server = Sink().start()
    yield server
    server.stop()


def _send(
    sink: Sink, establishment: Any, creator: Any, approver: Any, capture: Any, **template: Any
) -> list[tuple[Target, EmailMessage]]:
    """Launch a campaign of one template to two people; the messages by target."""
    group = engine.recipients(establishment, 2)
    group.recipients.update(first_name='<b onmouseover="x">Zoé</b>')
    template_row = EmailTemplateFactory(establishment=establishment, **template)
    campaign = engine.campaign(
        establishment, creator, port=sink.port, groups=[group], templates=[template_row]
    )
    campaign_submit(campaign=campaign, actor=creator)
    with capture(execute=True):
        campaign_approve(campaign=campaign, actor=approver)
    by_token = {received.token: received.raw for received in sink.wait_for(2)}
    return [
        (target, email.message_from_bytes(by_token[target.token], policy=policy.default))  # type: ignore[misc]
        for target in Target.objects.filter(campaign=campaign)
    ]


def _png_modules(png: bytes) -> list[list[int]]:
    """The QR modules (1: dark) of a 1-bit greyscale PNG drawn at qr.SCALE with qr.BORDER,
    read with zlib only (no image library: the test checks what the message carries)."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    chunks, offset = {}, 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        chunks[kind] = chunks.get(kind, b"") + png[offset + 8 : offset + 8 + length]
        offset += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (width, height, depth, colour) == (width, width, 1, 0)
    stride = (width + 7) // 8 + 1
    raw = zlib.decompress(chunks[b"IDAT"])
    assert len(raw) == stride * height
    modules = width // qr.SCALE - 2 * qr.BORDER
    rows = []
    for row in range(modules):
        line = raw[((row + qr.BORDER) * qr.SCALE + 1) * stride :][:stride]
        assert line[0] == 0  # no filter
        bits = [(line[1 + x // 8] >> (7 - x % 8)) & 1 for x in range(width)]
        rows.append([1 - bits[(col + qr.BORDER) * qr.SCALE + 1] for col in range(modules)])
    return rows


def _encodes(png: bytes, url: str) -> bool:
    return _png_modules(png) == [list(row) for row in qr.qr_matrix(url)]


def _scanned(png: bytes, tmp_path: Any) -> str:
    """What a real QR reader (zbar's zbarimg, as a phone's camera app would) reads."""
    image = tmp_path / f"qr-{len(list(tmp_path.iterdir()))}.png"
    image.write_bytes(png)
    done = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_qr_lure_embeds_each_recipient_s_own_link(
    tmp_path: Any,
    sink: Sink,
    establishment_a: Any,
    alice: Any,
    operator_admin: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sent = _send(
        sink,
        establishment_a,
        alice,
        operator_admin,
        django_capture_on_commit_callbacks,
        html=QR_HTML,
    )
    pngs = set()
    for target, message in sent:
        assert message.get_content_type() == "multipart/alternative"
        plain, related = message.iter_parts()  # type: ignore[attr-defined]
        assert plain.get_content_type() == "text/plain"
        assert related.get_content_type() == "multipart/related"
        html_part, image = related.iter_parts()
        assert html_part.get_content_type() == "text/html"
        html = html_part.get_content()
        assert '<img src="cid:rempart-qr"' in html
        assert "&lt;b onmouseover=" in html
        assert "<b onmouseover" not in html
        assert image.get_content_type() == "image/png"
        assert image["Content-ID"] == "<rempart-qr>"
        assert image.get_content_disposition() == "inline"
        png = image.get_content()
        assert _encodes(png, tracking_url(target.token))
        assert _scanned(png, tmp_path) == tracking_url(target.token)  # a real reader agrees
        assert png == qr.qr_png(tracking_url(target.token))
        assert message["X-Rempart-Simulation"] == target.token
        pngs.add(png)
    assert len(pngs) == 2  # one code per recipient


def test_a_template_without_qr_code_has_no_image(
    sink: Sink,
    establishment_a: Any,
    alice: Any,
    operator_admin: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sent = _send(
        sink,
        establishment_a,
        alice,
        operator_admin,
        django_capture_on_commit_callbacks,
        html="<p>{{ first_name }}</p><a href='{{ url }}'>ici</a>{{ tracker }}",
    )
    for _target, message in sent:
        types = [part.get_content_type() for part in message.walk()]
        assert types == ["multipart/alternative", "text/plain", "text/html"]
        assert "cid:" not in message.get_body(("html",)).get_content()  # type: ignore[union-attr]


def test_the_qr_png_is_small_and_readable_at_its_size() -> None:
    url = tracking_url("x" * 32)
    png = qr.qr_png(url)
    width = struct.unpack(">I", png[16:20])[0]
    assert width == (len(qr.qr_matrix(url)) + 2 * qr.BORDER) * qr.SCALE <= qr.SIZE
    assert len(png) < 1000
    assert _encodes(png, url)


def test_previews_show_a_qr_code_of_a_fictitious_link() -> None:
    rendered = render_message(
        subject=MFA_QR.subject,
        html=MFA_QR.html,
        text=MFA_QR.text,
        context=preview_context(establishment="CH Test", from_name="DSI"),
    )
    assert _encodes(rendered.qr_png, qr.PREVIEW_URL)
    assert "cid:rempart-qr" in rendered.html
    assert "cid:" not in rendered.preview_html
    assert 'src="data:image/png;base64,' in rendered.preview_html
    assert "qr_code" not in rendered.text
    assert "<img" not in rendered.text


def test_a_qr_code_in_an_untaken_branch_adds_no_image() -> None:
    context = preview_context(establishment="CH", from_name="DSI")
    rendered = render_message(
        subject="s", html="{% if False %}{{ qr_code }}{% endif %}", text="", context=context
    )
    assert rendered.qr_png == b""
    assert rendered.preview_html == rendered.html
