"""An e-mail template from a real message (`.eml`): a phishing e-mail staff received, or a
vendor's, turned into a draft the author then reviews.

What is kept: the subject, the From display name (never the address), the HTML and text
bodies. What changes: every link points to the recipient's tracking link (`{{ url }}`);
scripts, frames, forms, event handlers and `javascript:` addresses are removed; template
syntax in the message is escaped so that it shows as written; inline (`cid:`) images and
attachments are left out and counted. The message must be reviewed before use: real brands,
names and logos are the author's to remove (the page says so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from django.utils.translation import gettext as _

from rempart.core.errors import ApplicationError
from rempart.phishing.models import EmailTemplate
from rempart.phishing.settings.services import template_save

MAX_EML_BYTES = 2 * 1024 * 1024
DANGEROUS_BLOCKS = re.compile(
    r"<(script|iframe|object|embed|form|style\b[^>]*>\s*@import)[^>]*>.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
DANGEROUS_TAGS = re.compile(r"</?(script|iframe|object|embed|form|base|meta)\b[^>]*>", re.I)
EVENT_ATTRIBUTES = re.compile(r"""\s+on[a-z]+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I)
HREFS = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)("[^"]*"|'[^']*'|[^\s>]+)""", re.I)
CID_IMAGES = re.compile(r"""<img\b[^>]*\bsrc\s*=\s*["']?cid:[^>]*>""", re.I)
JAVASCRIPT_URLS = re.compile(r"""(=\s*["']?)\s*javascript:[^"'\s>]*""", re.I)
TEXT_URLS = re.compile(r"""https?://[^\s<>"')\]]+""", re.I)
TEMPLATE_SYNTAX = re.compile(r"(\{\{|\}\}|\{%|%\}|\{#|#\})")
TEMPLATE_TAGS = {
    "{{": "{% templatetag openvariable %}",
    "}}": "{% templatetag closevariable %}",
    "{%": "{% templatetag openblock %}",
    "%}": "{% templatetag closeblock %}",
    "{#": "{% templatetag opencomment %}",
    "#}": "{% templatetag closecomment %}",
}


class EmlImportError(ApplicationError):
    """The file is not a message that can become a template (the message says why)."""


@dataclass(frozen=True)
class Imported:
    subject: str
    from_name: str
    html: str
    text: str
    links: int
    left_out: int  # attachments and inline images


def parse_eml(data: bytes) -> Imported:
    """The parts of a message a template needs, made safe; EmlImportError if unusable."""
    if len(data) > MAX_EML_BYTES:
        raise EmlImportError(_("The file is larger than 2 MB: it is not a single e-mail."))
    message = message_from_bytes(data, policy=policy.default)
    if not isinstance(message, EmailMessage) or not (message["Subject"] or message["From"]):
        raise EmlImportError(
            _("This file is not an e-mail message (.eml): it has no Subject or From header.")
        )
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    html = _content(html_part)
    text = _content(text_part)
    if not html.strip() and not text.strip():
        raise EmlImportError(_("This message has no text or HTML body to import."))
    bodies = {id(part) for part in (html_part, text_part) if part is not None}
    left_out = sum(
        1
        for part in message.walk()
        if not part.is_multipart() and id(part) not in bodies and part is not message
    )
    html, links = _neutral_html(html) if html.strip() else (_html_from_text(text), 0)
    text, text_links = TEXT_URLS.subn("{{ url }}", _escaped(text))
    return Imported(
        subject=_escaped(str(message["Subject"] or "").strip())[:300],
        from_name=parseaddr(str(message["From"] or ""))[0][:200],
        html=html,
        text=text,
        links=links + text_links,
        left_out=left_out + len(CID_IMAGES.findall(_content(html_part))),
    )


def _content(part: Any) -> str:
    if part is None:
        return ""
    try:
        return str(part.get_content())
    except (LookupError, UnicodeDecodeError, AssertionError) as error:
        raise EmlImportError(
            _("A part of this message cannot be read (%(problem)s).") % {"problem": error}
        ) from error


def _escaped(source: str) -> str:
    return TEMPLATE_SYNTAX.sub(lambda match: TEMPLATE_TAGS[match.group(1)], source)


def _neutral_html(html: str) -> tuple[str, int]:
    html = DANGEROUS_BLOCKS.sub("", html)
    html = DANGEROUS_TAGS.sub("", html)
    html = EVENT_ATTRIBUTES.sub("", html)
    html = JAVASCRIPT_URLS.sub(r"\1#", html)
    html = CID_IMAGES.sub("", html)
    html = _escaped(html)
    return HREFS.subn(r'\1"{{ url }}"', html)


def _html_from_text(text: str) -> str:
    escaped = _escaped(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    linked = TEXT_URLS.sub('<a href="{{ url }}">{{ url }}</a>', escaped)
    return (
        "<html><body><p>"
        + linked.replace("\n\n", "</p><p>").replace("\n", "<br>")
        + "</p></body></html>"
    )


def template_import(
    *, establishment: Any, data: bytes, actor: Any, ip_address: str | None = None
) -> tuple[EmailTemplate, Imported]:
    """A new template of `establishment` from the message in `data` (saved and audited by
    template_save, which also checks that every part compiles)."""
    found = parse_eml(data)
    subject = found.subject or _("(no subject)")
    base = (_("Imported: %(subject)s") % {"subject": subject})[:190]
    taken = set(
        EmailTemplate.objects.filter(
            establishment=establishment, name__startswith=base
        ).values_list("name", flat=True)
    )
    name, number = base, 1
    while name in taken:  # the same message imported again: numbered, not refused
        number += 1
        name = f"{base} ({number})"
    template = EmailTemplate(
        establishment=establishment,
        name=name,
        from_name=found.from_name,
        subject=subject,
        html=found.html,
        text=found.text,
    )
    return template_save(instance=template, actor=actor, ip_address=ip_address), found
