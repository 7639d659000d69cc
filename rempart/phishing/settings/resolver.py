"""DNS lookups of the phishing settings (the domain's verification record, and the
deliverability checks): the resolver of `PHISHING_DNS_RESOLVER` or the system's, and answers
turned into clear errors."""

from __future__ import annotations

from typing import Any

import dns.exception
import dns.resolver
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from rempart.core.errors import ApplicationError

DNS_TIMEOUT = 5.0


def dns_resolver() -> dns.resolver.Resolver:
    """The resolver of `PHISHING_DNS_RESOLVER` ("host:port"), or the system's."""
    configured = str(getattr(settings, "PHISHING_DNS_RESOLVER", "") or "").strip()
    try:
        resolver = _configured_resolver(configured) if configured else dns.resolver.Resolver()
    except dns.resolver.NoResolverConfiguration as exc:
        raise ApplicationError(_("No DNS server is configured on this platform.")) from exc
    resolver.lifetime = resolver.timeout = DNS_TIMEOUT
    return resolver


def _configured_resolver(configured: str) -> dns.resolver.Resolver:
    host, _sep, port = configured.rpartition(":") if ":" in configured else (configured, "", "")
    if port and not port.isdigit():
        raise ImproperlyConfigured("REMPART_PHISHING_DNS_RESOLVER must be host or host:port")
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host.strip("[]")]
    resolver.port = int(port or 53)
    return resolver


def dns_answers(
    resolver: dns.resolver.Resolver, name: str, rdtype: str, *, missing_ok: bool = False
) -> list[Any]:
    """The `rdtype` records of `name` (none when it has no such record). A name that does
    not exist is an error unless `missing_ok`; an unreachable server always is."""
    try:
        return list(resolver.resolve(name, rdtype, search=False))
    except dns.resolver.NXDOMAIN as exc:
        if missing_ok:
            return []
        raise ApplicationError(
            _("The domain %(domain)s does not exist.") % {"domain": name}
        ) from exc
    except dns.resolver.NoAnswer:
        return []
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
        raise ApplicationError(
            _("No DNS server answered for %(domain)s; try again later.") % {"domain": name}
        ) from exc
    except dns.exception.DNSException as exc:
        raise ApplicationError(
            _("The DNS answer for %(domain)s could not be read.") % {"domain": name}
        ) from exc


def txt_records(
    resolver: dns.resolver.Resolver, name: str, *, missing_ok: bool = False
) -> list[str]:
    """The TXT records of `name`, each joined from its strings."""
    return [
        b"".join(rdata.strings).decode("utf-8", "replace").strip()
        for rdata in dns_answers(resolver, name, "TXT", missing_ok=missing_ok)
    ]
