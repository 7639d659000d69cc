"""SMTP side of simulations: connecting with a sending profile and building messages."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any

from django.utils import timezone

from rempart.phishing.choices import MailSecurity
from rempart.phishing.rendering import RenderedMessage

TOKEN_HEADER = "X-Rempart-Simulation"  # noqa: S105 (a header name, not a secret)
TIMEOUT = 30.0


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


def build_message(
    *,
    profile: Any,
    to: str,
    rendered: RenderedMessage,
    from_name: str = "",
    token: str = "",
) -> EmailMessage:
    """A multipart message (text + HTML) from the profile's From, with its custom headers
    and, for simulations, the header that lets the report mailbox recognise the message."""
    message = EmailMessage()
    message["From"] = formataddr((from_name or profile.from_name, profile.from_address))
    message["To"] = to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain=profile.from_address.rpartition("@")[2])
    for name, value in (profile.headers or {}).items():
        message[str(name)] = str(value)
    if token:
        message[TOKEN_HEADER] = token
    message.set_content(rendered.text or " ")
    if rendered.html:
        message.add_alternative(rendered.html, subtype="html")
    return message


def envelope_sender(profile: Any) -> str:
    return str(profile.envelope_sender or profile.from_address)
