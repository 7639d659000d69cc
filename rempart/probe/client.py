"""HTTP calls to the centre, each one signed with the probe's key (stdlib only)."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from rempart.probe import signing

API = "/api/probe/v1/"
TIMEOUT_S = 30


class CentreUnreachableError(Exception):
    """The centre could not be reached (network, DNS, TLS, 5xx): try again later."""


class RefusedError(Exception):
    """The centre refused this probe (401/403): revoked, unknown key, or clock skew."""


@dataclass
class Answer:
    status: int
    data: Any


class CentreClient:
    def __init__(self, server: str, key: Ed25519PrivateKey, *, ca_file: str | None = None) -> None:
        self.server = server.rstrip("/")
        self.prefix = urlsplit(self.server).path.rstrip("/")
        self.key = key
        self.context = ssl.create_default_context(cafile=ca_file)

    def call(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        timeout: float = TIMEOUT_S,
    ) -> Answer:
        full_path = self.prefix + API + path
        signed = signing.sign_request(self.key, method, full_path, body)
        if not self.server.startswith(("https://", "http://")):
            raise CentreUnreachableError(
                f"the server address must start with https://: {self.server}"
            )
        request = urllib.request.Request(  # noqa: S310  (scheme checked above)
            self.server + API + path,
            data=body if method != "GET" else None,
            method=method,
            headers={**signed, **(headers or {}), "Content-Type": content_type},
        )
        try:
            with urllib.request.urlopen(  # noqa: S310  (scheme checked above)
                request, timeout=timeout, context=self.context
            ) as reply:
                raw = reply.read()
                return Answer(reply.status, json.loads(raw) if raw else None)
        except urllib.error.HTTPError as error:
            return self._error(error)
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            raise CentreUnreachableError(str(exc)) from exc

    @staticmethod
    def _error(error: urllib.error.HTTPError) -> Answer:
        if error.code in (401, 403):
            raise RefusedError(f"the centre refused this probe (HTTP {error.code})")
        if error.code >= 500:  # noqa: PLR2004
            raise CentreUnreachableError(f"the centre answered HTTP {error.code}")
        try:
            data = json.loads(error.read() or b"{}")
        except ValueError:
            data = {}
        return Answer(error.code, data)

    def post_json(self, path: str, data: dict[str, Any], **kwargs: Any) -> Answer:
        return self.call("POST", path, json.dumps(data).encode(), **kwargs)
