"""Rendering of simulated e-mails and landing pages with Django's template engine.

Subject, text and HTML are templates compiled once per campaign variant (not re-parsed per
recipient, as GoPhish does) and rendered with autoescaping in HTML, so a recipient's name
can never inject markup. The variables are the same everywhere:

`first_name`, `last_name`, `email`, `department`, `job_family`, `from_name`, `url` (the
tracked link), `tracker` (the open pixel, HTML only), `qr_code` (a QR code of the tracked
link, HTML only: an image embedded in the message, see `rempart.phishing.sending.qr`),
`establishment`, `of_establishment` and `at_establishment` (its name after « de » and « à »,
with the article French needs: « du CH Alpha », « à l'EHPAD Les Tilleuls »: the simulated
e-mails are French), `pseudonym`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from rempart.core.errors import ApplicationError
from rempart.core.grammar import french_with
from rempart.phishing.sending import qr

VARIABLES = (
    "first_name",
    "last_name",
    "email",
    "department",
    "job_family",
    "from_name",
    "url",
    "tracker",
    "qr_code",
    "establishment",
    "of_establishment",
    "at_establishment",
    "pseudonym",
)


class TemplateError(ApplicationError):
    """A template that Django cannot compile (the message names the problem)."""


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    html: str
    text: str
    qr_png: bytes = b""  # the image behind `{{ qr_code }}` when the HTML uses it

    @property
    def preview_html(self) -> str:
        """The HTML for a browser preview, with the QR code inline (no `cid:` there)."""
        return qr.inline_preview(self.html, self.qr_png) if self.qr_png else self.html


def tracking_url(token: str, suffix: str = "", base_url: str | None = None) -> str:
    """The tracked address of a target: the token is a path segment, never a query value."""
    return f"{(base_url or settings.PHISHING_BASE_URL).rstrip('/')}/p/{token}/{suffix}"


@lru_cache(maxsize=256)
def compile_template(source: str, *, autoescape: bool = True) -> Template:
    """A compiled template (cached: a campaign's variants are compiled once per process)."""
    wrapped = source if autoescape else "{% autoescape off %}" + source + "{% endautoescape %}"
    try:
        return Template(wrapped)
    except TemplateSyntaxError as error:
        raise TemplateError(
            _("The template cannot be read: %(error)s") % {"error": error}
        ) from error


def check_template(source: str) -> None:
    """Raise TemplateError when `source` does not compile."""
    compile_template(source)


def target_context(
    *, token: str, person: dict[str, str], establishment: str, from_name: str, pseudonym: str = ""
) -> dict[str, Any]:
    """The variables of one recipient's message."""
    pixel = tracking_url(token, "o.gif")
    return {
        **{key: person.get(key, "") for key in ("first_name", "last_name", "email")},
        "department": person.get("department", ""),
        "job_family": person.get("job_family", ""),
        "from_name": from_name,
        "url": tracking_url(token),
        "tracker": format_html('<img src="{}" width="1" height="1" alt="">', pixel),
        "qr_code": qr.image_tag(),
        **establishment_context(establishment),
        "pseudonym": pseudonym,
    }


def establishment_context(name: str) -> dict[str, str]:
    """The establishment's variables: its name, and its name after « de » and « à »."""
    return {
        "establishment": name,
        "of_establishment": french_with("de", name),
        "at_establishment": french_with("à", name),
    }


def render_message(
    *, subject: str, html: str, text: str, context: dict[str, Any], with_qr: bool | None = None
) -> RenderedMessage:
    """Render the three parts; the text part never escapes (it is not HTML). The QR code's
    PNG is made when the HTML uses `{{ qr_code }}` (`with_qr`: decided once per variant by
    the caller, or here); it encodes `qr_url` when the context has one (previews), else
    the tracked link."""
    plain = {**context, "tracker": "", "qr_code": ""}
    rendered_html = _render(html, Context(context)) if html else ""
    if with_qr is None:
        with_qr = qr.uses_qr(html)
    return RenderedMessage(
        subject=_render(subject, plain, autoescape=False).replace("\n", " ").strip(),
        html=rendered_html,
        text=_render(text, plain, autoescape=False) if text else "",
        qr_png=qr.qr_png(context.get("qr_url") or context["url"])
        if with_qr and qr.CONTENT_ID in rendered_html
        else b"",
    )


def render_page(source: str, context: dict[str, Any]) -> SafeString:
    """A landing page rendered with autoescaping (the page's own markup is trusted)."""
    return SafeString(_render(source, Context(context)))


def preview_context(*, establishment: str, from_name: str) -> dict[str, Any]:
    """Variables of a preview: a fictitious person, links that lead nowhere."""
    return {
        "first_name": "Camille",
        "last_name": "Martin",
        "email": "camille.martin@example.org",
        "department": _("Cardiology"),
        "job_family": _("Nurse"),
        "from_name": from_name,
        "url": "#preview",
        "tracker": "",
        "qr_code": qr.image_tag(),
        "qr_url": qr.PREVIEW_URL,
        **establishment_context(establishment),
        "pseudonym": "P-PREVIEW",
    }


def _render(source: str, context: dict[str, Any] | Context, *, autoescape: bool = True) -> str:
    template = compile_template(source, autoescape=autoescape)
    return template.render(context if isinstance(context, Context) else Context(context))
