"""Public pages of simulations (`/p/<token>/…`): no sign-in, no session, no CSRF cookie.

Each view resolves the token with one query and records one interaction. An unknown,
forged or cancelled token gets a plain 404 that says nothing about campaigns.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from rempart.core.grammar import of_establishment
from rempart.core.http import client_ip
from rempart.phishing.choices import AfterSubmit, InteractionKind, TeachableOn
from rempart.phishing.models import Target
from rempart.phishing.sending.rendering import establishment_context, render_page, tracking_url
from rempart.phishing.settings.library import cues_for
from rempart.phishing.tracking import hits

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
BEACON = (
    "(function(){{var sent=false;function go(){{if(sent)return;sent=true;"
    "navigator.sendBeacon({url!r});}}"
    "['pointerdown','keydown','touchstart','scroll','mousemove'].forEach(function(e){{"
    "window.addEventListener(e,go,{{once:true,passive:true}});}});}})();"
)


def _hit(request: HttpRequest) -> hits.Hit:
    purpose = request.META.get("HTTP_SEC_PURPOSE", "") + request.META.get("HTTP_PURPOSE", "")
    return hits.Hit(
        method=request.method or "GET",
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        prefetch="prefetch" in purpose.lower(),
    )


def _headers_only(view: Callable[[HttpRequest, str], HttpResponse]) -> Any:
    """A HEAD answer carries the headers of the GET answer and no body (RFC 9110)."""

    @wraps(view)
    def answer(request: HttpRequest, token: str) -> HttpResponse:
        response = view(request, token)
        if request.method == "HEAD":
            response.content = b""
        return response

    return answer


def _target(token: str) -> Target:
    target = hits.target_for_token(token)
    if target is None:
        raise Http404
    return target


def _private(response: HttpResponse, nonce: str = "") -> HttpResponse:
    script = f" 'nonce-{nonce}'" if nonce else ""
    response["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        f"form-action 'self'; script-src{script or ' ' + repr('none')}; connect-src 'self'"
    )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


def _with_beacon(html: str, token: str, page: str = "landing") -> tuple[str, str]:
    nonce = secrets.token_urlsafe(12)
    url = tracking_url(token, "h") + f"?page={page}"
    script = format_html('<script nonce="{}">{}</script>', nonce, BEACON.format(url=url))
    closing = html.lower().rfind("</body>")
    if closing == -1:
        return html + script, nonce
    return html[:closing] + script + html[closing:], nonce


@csrf_exempt
@require_http_methods(["GET", "HEAD"])
@_headers_only
def click(request: HttpRequest, token: str) -> HttpResponse:
    target = _target(token)
    hits.record(target, InteractionKind.CLICK, _hit(request))
    if request.method == "HEAD":  # a link checker: kept as a prefetch, nothing to render
        return _private(HttpResponse())
    campaign = target.campaign
    if campaign.landing_page is None or campaign.teachable_on == TeachableOn.CLICK:
        return _teachable(target, submitted=False)
    html = render_page(campaign.landing_page.html, _page_context(target))
    page, nonce = _with_beacon(html, token)
    return _private(HttpResponse(page), nonce)


def _page_context(target: Target) -> dict[str, Any]:
    person = target.recipient
    return {
        "first_name": person.first_name if person else "",
        "last_name": person.last_name if person else "",
        "email": person.email if person else "",
        **establishment_context(target.campaign.establishment.name),
        "submit_url": tracking_url(target.token, "submit"),
    }


@csrf_exempt
@sensitive_post_parameters()
@require_POST
def submit(request: HttpRequest, token: str) -> HttpResponse:
    """A form of the landing page was posted: keep the field names, never the values."""
    target = _target(token)
    names = sorted(str(name)[:100] for name in request.POST)
    hits.record_submission(target, _hit(request), field_names=names)
    page = target.campaign.landing_page
    if page is not None and page.after_submit == AfterSubmit.REDIRECT and page.redirect_url:
        return redirect(page.redirect_url)
    return _teachable(target, submitted=True)


@csrf_exempt
@require_POST
def human(request: HttpRequest, token: str) -> HttpResponse:
    """The page saw a user gesture: a person opened it, unless the beacon itself looks
    automated (a sandbox running the page)."""
    hits.record_gesture(_target(token), _hit(request), learn=request.GET.get("page") == "learn")
    return _private(HttpResponse(status=204))


@require_http_methods(["GET", "HEAD"])
@_headers_only
def learn(request: HttpRequest, token: str) -> HttpResponse:
    return _teachable(_target(token), submitted=False)


def _teachable(target: Target, *, submitted: bool) -> HttpResponse:
    """The teachable moment. It counts as read when a person is known to be there (after a
    person's submission, or when the page reports a person's gesture: `hits`), never on a
    scanner's fetch."""
    variant = target.variant
    html = _teachable_html(
        language=get_language(),
        establishment_name=target.campaign.establishment.name,
        subject=variant.subject,
        from_name=variant.from_name or hits.profile_from_name(target),
        cues=tuple(variant.cues),
        lesson=variant.lesson,
        report_address=hits.report_address(target),
        training_assigned=hits.training_assigned(target),
        submitted=submitted,
    )
    page, nonce = _with_beacon(html, target.token, "learn")
    return _private(HttpResponse(page), nonce)


@lru_cache(maxsize=256)
def _teachable_html(  # every argument is part of the cache key
    *,
    language: str,
    establishment_name: str,
    subject: str,
    from_name: str,
    cues: tuple[str, ...],
    lesson: str,
    report_address: str,
    training_assigned: bool,
    submitted: bool,
) -> str:
    """The teachable page of one e-mail, the same for every recipient (nothing personal
    in it): rendered once per variant, language and state, then reused by every click."""
    context = {
        "establishment_name": establishment_name,
        "establishment_of": of_establishment(establishment_name),
        "subject": subject,
        "from_name": from_name,
        "cues": cues_for(list(cues)),
        "lesson": lesson,
        "report_address": report_address,
        "training_assigned": training_assigned,
        "submitted": submitted,
    }
    return render_to_string("phishing/teachable.html", context)


@csrf_exempt
@require_http_methods(["GET", "HEAD"])
@_headers_only
def pixel(request: HttpRequest, token: str) -> HttpResponse:
    target = hits.target_for_token(token, pages=False)
    if target is not None:
        hits.record(target, InteractionKind.OPEN, _hit(request))
    return _private(HttpResponse(PIXEL, content_type="image/gif"))


@csrf_exempt
@require_POST
def report(request: HttpRequest, token: str) -> HttpResponse:
    """A report button (mail client add-in) reported the message."""
    hits.record_report(_target(token), method="BUTTON")
    response = _private(HttpResponse(status=204))
    response["Access-Control-Allow-Origin"] = "*"
    return response
