"""Public e-mail services (webmail and Internet providers' mailboxes): never an
establishment's phishing domain.

An establishment may only send simulations to addresses of its own domains, whose DNS it
controls (the verification record). A public service's domain is shared by millions of
people: registering it would make anyone with such an address a possible target, and its
DNS can never hold the establishment's record anyway. The list covers the services staff use
in France; brands present under many country domains (hotmail.fr, yahoo.co.uk…) are matched
by name. Subdomains of a listed domain are refused too.
"""

from __future__ import annotations

import re

PUBLIC_MAIL_DOMAINS = frozenset(
    {
        # international webmail
        "gmail.com",
        "googlemail.com",
        "msn.com",
        "passport.com",
        "ymail.com",
        "rocketmail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "protonmail.com",
        "protonmail.ch",
        "proton.me",
        "pm.me",
        "tutanota.com",
        "tuta.io",
        "zoho.com",
        "zohomail.eu",
        "mail.com",
        "email.com",
        "web.de",
        "mail.ru",
        "qq.com",
        "163.com",
        # French Internet providers and services
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "aliceadsl.fr",
        "libertysurf.fr",
        "sfr.fr",
        "neuf.fr",
        "cegetel.net",
        "club-internet.fr",
        "numericable.fr",
        "noos.fr",
        "bbox.fr",
        "laposte.net",
        "voila.fr",
    }
)
# Brands registered under many country domains: hotmail.com, hotmail.fr, yahoo.co.uk…
PUBLIC_MAIL_BRANDS = re.compile(
    r"^(?:hotmail|outlook|live|windowslive|yahoo|aol|gmx|yandex)\.[a-z]{2,3}(?:\.[a-z]{2})?$"
)


def is_public_mail_domain(domain: str) -> bool:
    """Whether `domain` (lower case, no trailing dot) is a public e-mail service's or one of
    its subdomains."""
    labels = domain.split(".")
    suffixes = (".".join(labels[index:]) for index in range(len(labels) - 1))
    return any(
        suffix in PUBLIC_MAIL_DOMAINS or PUBLIC_MAIL_BRANDS.match(suffix) for suffix in suffixes
    )
