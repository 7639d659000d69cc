"""SMTP side of simulations: connecting with a sending profile and building messages."""

from __future__ import annotations

import base64
import secrets
import smtplib
import ssl
from email.header import Header
from email.utils import format_datetime
from typing import Any

from django.utils import timezone

from rempart.phishing.choices import MailSecurity
from rempart.phishing.sending.headers import TOKEN_HEADER, header_problem
from rempart.phishing.sending.qr import CONTENT_ID
from rempart.phishing.sending.rendering import RenderedMessage

TIMEOUT = 30.0
QR_NAME = "qr-code.png"


def smtp_connect(profile: Any, *, timeout: float = TIMEOUT) -> smtplib.SMTP:
    """An authenticated SMTP connection for `profile` (TLS as configured)."""
    context = ssl.create_default_context()
    if profile.security == MailSecurity.TLS:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            profile.host, profile.port, timeout=timeout, context=context
        )
    else:
        client = smtplib.SMTP(profile.host, profile.port, timeout=timeout)
        if profile.security == MailSecurity.STARTTLS:
            client.starttls(context=context)
    if profile.username:
        client.login(profile.username, profile.password or "")
    return client


def envelope_sender(profile: Any) -> str:
    return str(profile.envelope_sender or profile.from_address)


def _header(value: str) -> str:
    """An RFC 2047 encoded-word only when the value is not plain ASCII."""
    return value if value.isascii() else Header(value, "utf-8").encode()


def _base64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii").replace("\n", "\r\n")


def _part(subtype: str, body: str) -> str:
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{_base64(body.encode())}"
    )


def _multipart(boundary: str, parts: list[str]) -> str:
    return "".join(f"--{boundary}\r\n{part}" for part in parts) + f"--{boundary}--\r\n"


def _related(boundary: str, html: str, png: bytes) -> str:
    """The HTML and the QR code it shows by Content-ID (RFC 2387)."""
    image = (
        f'Content-Type: image/png; name="{QR_NAME}"\r\n'
        f"Content-Transfer-Encoding: base64\r\nContent-ID: <{CONTENT_ID}>\r\n"
        f'Content-Disposition: inline; filename="{QR_NAME}"\r\n\r\n{_base64(png)}'
    )
    inner = f"{boundary}-r"
    return (
        f'Content-Type: multipart/related; type="text/html"; boundary="{inner}"\r\n\r\n'
        + _multipart(inner, [_part("html", html), image])
    )


def message_bytes(
    *,
    profile: Any,
    to: str,
    rendered: RenderedMessage,
    from_name: str = "",
    token: str = "",
    extra_headers: str = "",
) -> bytes:
    """A multipart message (text + HTML, UTF-8) from the profile's From, with its custom
    headers and, for simulations, the header that lets the report mailbox recognise it,
    written straight to wire format (CRLF, base64 parts). The sender builds thousands of
    these: going through the `email` package's generator costs more than the SMTP exchange.
    With a QR code (`rendered.qr_png`) the HTML and its image form a `multipart/related`.
    `extra_headers` are the profile's custom headers already encoded (`encoded_headers`)."""
    boundary = f"==rempart-{secrets.token_hex(12)}"
    name = _header(from_name or profile.from_name)
    sender = f"{name} <{profile.from_address}>" if name else profile.from_address
    domain = profile.from_address.rpartition("@")[2]
    head = (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {_header(rendered.subject)}\r\n"
        f"Date: {format_datetime(timezone.now())}\r\n"
        f"Message-ID: <{secrets.token_hex(16)}@{domain}>\r\nMIME-Version: 1.0\r\n"
        f"{extra_headers}"
        + (f"{TOKEN_HEADER}: {token}\r\n" if token else "")
        + f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
    )
    parts = [_part("plain", rendered.text or " ")]
    if rendered.html and rendered.qr_png:
        parts.append(_related(boundary, rendered.html, rendered.qr_png))
    elif rendered.html:
        parts.append(_part("html", rendered.html))
    body = _multipart(boundary, parts)
    return (head + body).encode("utf-8")


def encoded_headers(profile: Any) -> str:
    """The profile's custom headers, encoded once per sending lane (one stored before their
    rules were checked on save, `headers.py`, is left out rather than sent)."""
    return "".join(
        f"{name}: {_header(str(value))}\r\n"
        for name, value in (profile.headers or {}).items()
        if header_problem(str(name), str(value)) is None
    )
