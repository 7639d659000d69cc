"""A minimal but real OpenID Connect provider for tests, on 127.0.0.1 in a background thread.

Authorization code flow only: discovery, `/authorize` (auto-approves `provider.user`, PKCE S256),
`/token` (`client_secret_basic` or `client_secret_post`), `/userinfo` (Bearer) and `/jwks`;
ID tokens are signed RS256. Tests can break it on purpose: `sign_with_unknown_key` signs ID
tokens with a key that is not published, `id_token_overrides` replaces claims (`aud`, `iss`…).
Every request is logged in `provider.requests` ("GET /authorize"…).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

Reply = tuple[int, dict[str, str], bytes]
CODE_SECONDS = 60


@dataclass
class OIDCUser:
    """The identity the provider vouches for."""

    sub: str
    email: str
    email_verified: bool = True
    name: str = "Test User"


@dataclass
class _Grant:
    user: OIDCUser
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    expires: float = field(default_factory=lambda: time.time() + CODE_SECONDS)


def _json(status: int, body: dict[str, Any], **headers: str) -> Reply:
    headers = {"Content-Type": "application/json", "Cache-Control": "no-store", **headers}
    return status, headers, json.dumps(body).encode()


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OIDCProvider:
    """Start with `with OIDCProvider(...) as provider:`; `provider.issuer` is its base URL."""

    def __init__(
        self, *, client_id: str, client_secret: str, user: OIDCUser, require_pkce: bool = True
    ) -> None:
        self.client_id, self.client_secret, self.user = client_id, client_secret, user
        self.require_pkce = require_pkce
        self.sign_with_unknown_key = False
        self.id_token_overrides: dict[str, Any] = {}
        self.requests: list[str] = []
        self.auth_methods: list[str] = []  # client authentication used at each /token call
        self.kid = "rempart-test-key"
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._codes: dict[str, _Grant] = {}
        self._tokens: dict[str, OIDCUser] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.provider = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> OIDCProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key(), True)
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def id_token(self, user: OIDCUser, nonce: str | None) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300}
        claims |= asdict(user) | ({"nonce": nonce} if nonce else {}) | self.id_token_overrides
        key = self._key
        if self.sign_with_unknown_key:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})

    def authorize(self, query: dict[str, str]) -> Reply:
        """Auto-approve `self.user`: redirect to `redirect_uri` with a code and the `state`."""
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or not redirect_uri.startswith("http"):
            return 400, {"Content-Type": "text/plain"}, b"unknown client or bad redirect_uri"
        back = {"state": query["state"]} if "state" in query else {}
        challenge, method = query.get("code_challenge"), query.get("code_challenge_method")
        if (
            query.get("response_type") != "code"
            or "openid" not in query.get("scope", "").split()
            or (challenge is None and self.require_pkce)
            or (challenge is not None and method != "S256")
        ):
            back["error"] = "invalid_request"
        else:
            back["code"] = code = secrets.token_urlsafe(24)
            with self._lock:
                self._codes[code] = _Grant(self.user, redirect_uri, query.get("nonce"), challenge)
        separator = "&" if "?" in redirect_uri else "?"
        return 302, {"Location": f"{redirect_uri}{separator}{urlencode(back)}"}, b""

    def token(self, headers: dict[str, str], form: dict[str, str]) -> Reply:
        """Exchange a code: authenticate the client, check redirect_uri and the PKCE verifier."""
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("basic ") and "client_secret" not in form:
            decoded = base64.b64decode(authorization[6:]).decode()
            client_id, _, secret = (unquote_plus(part) for part in decoded.partition(":"))
            method = "client_secret_basic"
        elif not authorization and "client_secret" in form:
            client_id, secret = form.get("client_id", ""), form["client_secret"]
            method = "client_secret_post"
        else:
            return _json(401, {"error": "invalid_client"}, **{"WWW-Authenticate": "Basic"})
        if client_id != self.client_id or not hmac.compare_digest(secret, self.client_secret):
            return _json(401, {"error": "invalid_client"}, **{"WWW-Authenticate": "Basic"})
        self.auth_methods.append(method)
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # a code is used once
        verifier = form.get("code_verifier")
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or grant.expires < time.time()
            or grant.redirect_uri != form.get("redirect_uri")
            or (grant.code_challenge is not None and verifier is None)
            or (grant.code_challenge is not None and _s256(verifier or "") != grant.code_challenge)
        ):
            return _json(400, {"error": "invalid_grant"})
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[access_token] = grant.user
        return _json(
            200,
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(grant.user, grant.nonce),
            },
        )

    def userinfo(self, headers: dict[str, str]) -> Reply:
        scheme, _, access_token = headers.get("authorization", "").partition(" ")
        with self._lock:
            user = self._tokens.get(access_token) if scheme.lower() == "bearer" else None
        if user is None:
            return _json(401, {"error": "invalid_token"}, **{"WWW-Authenticate": "Bearer"})
        return _json(200, asdict(user))


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def _dispatch(self) -> None:
        provider: OIDCProvider = self.server.provider  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        provider.requests.append(f"{self.command} {url.path}")
        headers = {key.lower(): value for key, value in self.headers.items()}
        length = int(headers.get("content-length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        query = dict(parse_qsl(url.query))
        reply: Reply
        match (self.command, url.path):
            case ("GET", "/.well-known/openid-configuration"):
                reply = _json(200, provider.discovery())
            case ("GET", "/jwks"):
                reply = _json(200, provider.jwks())
            case ("GET", "/authorize"):
                reply = provider.authorize(query)
            case ("POST", "/token"):
                reply = provider.token(headers, dict(parse_qsl(body)))
            case ("GET" | "POST", "/userinfo"):
                reply = provider.userinfo(headers)
            case _:
                reply = _json(404, {"error": "not_found"})
        status, reply_headers, content = reply
        self.send_response(status)
        for name, value in {**reply_headers, "Content-Length": str(len(content))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(content)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test log is `provider.requests`."""
