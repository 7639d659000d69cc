"""Outbound webhooks: which addresses endpoints may use."""

from __future__ import annotations

import environ

_env = environ.Env()  # private: config.settings star-imports this module

# Webhook addresses must use https://; allow http:// only for tests and closed networks
# (the signature still authenticates the payload, but anyone on the path can read it).
WEBHOOKS_ALLOW_HTTP = _env.bool("REMPART_WEBHOOKS_ALLOW_HTTP", default=False)
