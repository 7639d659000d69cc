"""Deliverability checks of a sending domain: SPF, DMARC and DKIM as published in its DNS.

Read-only: the checks query DNS through `dns_resolver()` (setting `PHISHING_DNS_RESOLVER`)
and return verdicts; nothing is stored nor audited. Each verdict says what to fix.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.name
import dns.resolver
from django.utils.translation import gettext as _

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.phishing.models import SendingDomain, SendingProfile
from rempart.phishing.settings.resolver import dns_answers, dns_resolver, txt_records
from rempart.tenancy import access

OK, WARNING, ERROR = "ok", "warning", "error"
DEFAULT_SELECTOR = "default"
SELECTOR_RE = re.compile(r"^[A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63})*$")
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Check:
    """One verdict: `status` is ok, warning or error; `fix` says what to do (may be empty)."""

    name: str
    status: str
    verdict: str
    fix: str = ""
    queried: str = ""
    records: tuple[str, ...] = field(default_factory=tuple)


# DNS ---------------------------------------------------------------------------------------


def _relay_addresses(resolver: dns.resolver.Resolver, host: str) -> list[IpAddress]:
    host = host.strip().strip("[]")
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    found: list[IpAddress] = []
    for rdtype in ("A", "AAAA"):
        found += [
            ipaddress.ip_address(rdata.to_text())
            for rdata in dns_answers(resolver, host, rdtype, missing_ok=True)
        ]
    return found


# SPF ---------------------------------------------------------------------------------------


def _spf_records(texts: list[str]) -> list[str]:
    return [t for t in texts if t.lower() == "v=spf1" or t.lower().startswith("v=spf1 ")]


def spf_check(texts: list[str], domain: str) -> Check:
    records = _spf_records(texts)
    example = f'{domain}. IN TXT "v=spf1 ip4:<relay address> -all"'
    if not records:
        return Check(
            "SPF",
            ERROR,
            _("No SPF record: receivers cannot tell which servers may send for this domain."),
            _("Publish one TXT record, for example: %(example)s") % {"example": example},
            domain,
        )
    if len(records) > 1:
        return Check(
            "SPF",
            ERROR,
            _("%(count)d SPF records: receivers treat this as a permanent error.")
            % {"count": len(records)},
            _("Merge them into a single record starting with v=spf1."),
            domain,
            tuple(records),
        )
    terms = records[0].split()[1:]
    ending = next((t.lower() for t in terms if t.lower().lstrip("+-~?") == "all"), "")
    if ending in ("-all", "~all"):
        verdict = _("One SPF record, ending with %(all)s.") % {"all": ending}
        return Check("SPF", OK, verdict, "", domain, tuple(records))
    if any(t.lower().startswith("redirect=") for t in terms):
        verdict = _("One SPF record, delegated by redirect= (its ending was not followed).")
        return Check("SPF", OK, verdict, "", domain, tuple(records))
    return Check(
        "SPF",
        WARNING,
        _("The SPF record does not end with -all or ~all: it does not refuse other senders."),
        _("End the record with -all (or ~all while testing)."),
        domain,
        tuple(records),
    )


def _networks(terms: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for term in terms:
        mechanism, _sep, value = term.lstrip("+").partition(":")
        if mechanism.lower() in ("ip4", "ip6") and value:
            try:
                networks.append(ipaddress.ip_network(value, strict=False))
            except ValueError:
                continue  # a malformed mechanism authorises nothing
    return networks


def spf_relay_check(texts: list[str], addresses: list[IpAddress], host: str) -> Check:
    name = _("SPF and the relay")
    records = _spf_records(texts)
    if len(records) != 1:
        return Check(name, ERROR, _("Fix the SPF record first."), "", host)
    if not addresses:
        return Check(
            name,
            WARNING,
            _("The relay %(host)s could not be resolved: check its address by hand.")
            % {"host": host},
            "",
            host,
        )
    terms = records[0].split()[1:]
    shown = ", ".join(str(a) for a in addresses)
    if any(a in n for a in addresses for n in _networks(terms)):
        verdict = _("The relay's address (%(addresses)s) is listed in an ip4:/ip6: mechanism.")
        return Check(name, OK, verdict % {"addresses": shown}, "", host)
    includes = [t.split(":", 1)[1] for t in terms if t.lower().lstrip("+").startswith("include:")]
    if includes:
        return Check(
            name,
            WARNING,
            _(
                "The relay's address (%(addresses)s) is not listed directly; "
                "it may be covered by %(includes)s (not followed)."
            )
            % {"addresses": shown, "includes": ", ".join(includes)},
            _("Make sure the relay's provider publishes its public addresses in that include."),
            host,
        )
    return Check(
        name,
        ERROR,
        _("The relay's address (%(addresses)s) is not authorised by the SPF record.")
        % {"addresses": shown},
        _("Add ip4:<the relay's public address> to the record (the address receivers see)."),
        host,
    )


# DMARC -------------------------------------------------------------------------------------


def _tags(record: str) -> dict[str, str]:
    tags = {}
    for part in record.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            tags[key.strip().lower()] = value.strip()
    return tags


def dmarc_check(texts: list[str], name: str) -> Check:
    records = [t for t in texts if t.replace(" ", "").upper().startswith("V=DMARC1")]
    if not records:
        return Check(
            "DMARC",
            ERROR,
            _("No DMARC record: nothing tells receivers what to do with mail failing SPF/DKIM."),
            _("Publish %(example)s, then move to p=reject once the reports are clean.")
            % {"example": f'{name}. IN TXT "v=DMARC1; p=quarantine; rua=mailto:<address>"'},
            name,
        )
    if len(records) > 1:
        return Check(
            "DMARC",
            ERROR,
            _("%(count)d DMARC records: receivers ignore them all.") % {"count": len(records)},
            _("Keep a single v=DMARC1 record."),
            name,
            tuple(records),
        )
    policy = _tags(records[0]).get("p", "").lower()
    if policy in ("reject", "quarantine"):
        verdict = _("DMARC policy p=%(policy)s.") % {"policy": policy}
        return Check("DMARC", OK, verdict, "", name, tuple(records))
    if policy == "none":
        return Check(
            "DMARC",
            WARNING,
            _("DMARC policy p=none: monitoring only, mail spoofing the domain is still delivered."),
            _("Move to p=quarantine, then p=reject, once the aggregate reports are clean."),
            name,
            tuple(records),
        )
    return Check(
        "DMARC",
        ERROR,
        _("The DMARC record is malformed: no valid p= tag (none, quarantine or reject)."),
        _("Correct the record, e.g. v=DMARC1; p=quarantine"),
        name,
        tuple(records),
    )


# DKIM --------------------------------------------------------------------------------------


def _key_ok(key: str) -> bool:
    try:
        base64.b64decode("".join(key.split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def dkim_check(texts: list[str], name: str, selector: str) -> Check:
    records = [t for t in texts if "p" in _tags(t)]
    fix_absent = _(
        "Publish the public key given by your relay under this name, or type the selector your "
        "relay signs with (Microsoft 365: selector1 or selector2; Google Workspace: google)."
    )
    if not records:
        verdict = _("No DKIM key for the selector %(selector)s.") % {"selector": selector}
        return Check("DKIM", ERROR, verdict, fix_absent, name, tuple(texts))
    key = _tags(records[0])["p"]
    if not key:
        verdict = _("The DKIM key of the selector %(selector)s is revoked (empty p=).")
        return Check(
            "DKIM", ERROR, verdict % {"selector": selector}, fix_absent, name, tuple(records)
        )
    if not _key_ok(key):
        return Check(
            "DKIM",
            ERROR,
            _("The DKIM record is malformed: its p= key is not valid base64."),
            _("Publish the key again, exactly as your relay gives it."),
            name,
            tuple(records),
        )
    verdict = _("A DKIM key is published for the selector %(selector)s.") % {"selector": selector}
    return Check("DKIM", OK, verdict, "", name, tuple(records))


# Entry point -------------------------------------------------------------------------------


def clean_selector(selector: str) -> str:
    selector = (selector or DEFAULT_SELECTOR).strip().strip(".")
    if not SELECTOR_RE.match(selector):
        raise ApplicationError(_("A DKIM selector is made of letters, digits, - and _."))
    return selector.lower()


def deliverability_check(
    *,
    domain: SendingDomain,
    actor: Any,
    selector: str = DEFAULT_SELECTOR,
    profile: SendingProfile | None = None,
    resolver: dns.resolver.Resolver | None = None,
) -> list[Check]:
    """SPF (and the relay's place in it), DMARC and DKIM of `domain`, as its DNS says now."""
    if not access.can(actor, Action.MANAGE, domain.establishment):
        raise PermissionDeniedError(
            _("You cannot manage the phishing settings of this establishment.")
        )
    selector = clean_selector(selector)
    resolver = resolver or dns_resolver()
    name = domain.domain
    spf_texts = txt_records(resolver, name, missing_ok=True)
    checks = [spf_check(spf_texts, name)]
    if profile is not None:
        addresses = _relay_addresses(resolver, profile.host)
        checks.append(spf_relay_check(spf_texts, addresses, profile.host))
    dmarc_name = f"_dmarc.{name}"
    checks.append(dmarc_check(txt_records(resolver, dmarc_name, missing_ok=True), dmarc_name))
    dkim_name = f"{selector}._domainkey.{name}"
    try:
        dns.name.from_text(dkim_name)
    except dns.exception.DNSException as exc:
        raise ApplicationError(_("The DKIM selector is too long for this domain.")) from exc
    checks.append(
        dkim_check(txt_records(resolver, dkim_name, missing_ok=True), dkim_name, selector)
    )
    return checks
