"""Rendering of simulated e-mails and landing pages with Django's template engine.

Subject, text and HTML are templates compiled once per campaign variant (not re-parsed per
recipient, as GoPhish does) and rendered with autoescaping in HTML, so a recipient's name
can never inject markup. The variables are the same everywhere:

`first_name`, `last_name`, `email`, `department`, `job_family`, `from_name`, `url` (the
tracked link), `tracker` (the open pixel, HTML only), `establishment`, `pseudonym`.
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

VARIABLES = (
    "first_name",
    "last_name",
    "email",
    "department",
    "job_family",
    "from_name",
    "url",
    "tracker",
    "establishment",
    "pseudonym",
)


class TemplateError(ApplicationError):
    """A template that Django cannot compile (the message names the problem)."""


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    html: str
    text: str


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
        "establishment": establishment,
        "pseudonym": pseudonym,
    }


def render_message(
    *, subject: str, html: str, text: str, context: dict[str, Any]
) -> RenderedMessage:
    """Render the three parts; the text part never escapes (it is not HTML)."""
    plain = {**context, "tracker": ""}
    return RenderedMessage(
        subject=_render(subject, plain, autoescape=False).replace("\n", " ").strip(),
        html=_render(html, Context(context)) if html else "",
        text=_render(text, plain, autoescape=False) if text else "",
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
        "establishment": establishment,
        "pseudonym": "P-PREVIEW",
    }


def _render(source: str, context: dict[str, Any] | Context, *, autoescape: bool = True) -> str:
    template = compile_template(source, autoescape=autoescape)
    return template.render(context if isinstance(context, Context) else Context(context))
