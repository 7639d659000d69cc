"""Phishing simulations: where tracked links point and which networks are mail scanners."""

from __future__ import annotations

import environ

_env = environ.Env()  # private: config.settings star-imports this module

# Links in simulated e-mails point here (a dedicated host name in production, so that the
# platform's own address is never the lure); the platform's address by default.
PHISHING_BASE_URL = (
    _env.str("REMPART_PHISHING_BASE_URL", default="")
    or _env.str("REMPART_SITE_URL", default="http://127.0.0.1:8000")
).rstrip("/")
# Networks of mail-security services that fetch links before people do (Microsoft Exchange
# Online Protection, Google's image proxy, Mimecast, Proofpoint…). Hits from them are kept
# but counted apart. Extend with REMPART_PHISHING_SCANNER_NETWORKS (comma-separated CIDRs).
PHISHING_SCANNER_NETWORKS = [
    "40.92.0.0/15",
    "40.107.0.0/16",
    "52.100.0.0/14",
    "104.47.0.0/17",
    "66.249.80.0/20",
    "64.233.160.0/19",
    "205.139.110.0/24",
    "207.211.30.0/24",
    "148.163.128.0/17",
    "67.231.144.0/20",
    *_env.list("REMPART_PHISHING_SCANNER_NETWORKS", default=[]),
]
# A hit within this many seconds of the relay accepting the message is too fast for a person.
PHISHING_SCANNER_SECONDS = _env.int("REMPART_PHISHING_SCANNER_SECONDS", default=10)
# DNS server ("host:port") asked for the TXT record that proves a mail domain belongs to the
# establishment; empty: the system resolver (/etc/resolv.conf).
PHISHING_DNS_RESOLVER = _env.str("REMPART_PHISHING_DNS_RESOLVER", default="")
