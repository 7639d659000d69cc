"""Ed25519 signatures shared by the probe and the centre (no Django here).

A request is signed over `METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nSHA256(BODY)`; a job is a
canonical JSON document signed by the centre. See docs/adr/0005-probe-authentication.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

REPLAY_WINDOW_S = 300
HEADER_PROBE = "X-Rempart-Probe"
HEADER_TIMESTAMP = "X-Rempart-Timestamp"
HEADER_NONCE = "X-Rempart-Nonce"
HEADER_SIGNATURE = "X-Rempart-Signature"
PUBLIC_KEY_BYTES = 32


class SignatureError(ValueError):
    """A signature, a key or a signed document is missing, malformed or wrong."""


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError("the key is not an Ed25519 private key")
    return key


def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def load_public_key(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError("the public key is not base64") from exc
    if len(raw) != PUBLIC_KEY_BYTES:
        raise SignatureError("the public key is not a raw Ed25519 key")
    return Ed25519PublicKey.from_public_bytes(raw)


def fingerprint(public_key_text: str) -> str:
    """The key's identifier: SHA-256 of the raw public key, hexadecimal."""
    return hashlib.sha256(base64.b64decode(public_key_text)).hexdigest()


def request_message(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join((method.upper(), path, timestamp, nonce, digest)).encode()


def sign_request(
    key: Ed25519PrivateKey, method: str, path: str, body: bytes, *, now: float | None = None
) -> dict[str, str]:
    """The headers that authenticate one request."""
    timestamp = str(int(now if now is not None else time.time()))
    nonce = secrets.token_hex(16)
    signature = key.sign(request_message(method, path, timestamp, nonce, body))
    return {
        HEADER_PROBE: fingerprint(public_key_b64(key)),
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: base64.b64encode(signature).decode(),
    }


def verify(public_key: Ed25519PublicKey, signature_b64: str, message: bytes) -> None:
    try:
        public_key.verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise SignatureError("bad signature") from exc


def check_timestamp(timestamp: str, *, now: float | None = None) -> None:
    try:
        moment = int(timestamp)
    except ValueError as exc:
        raise SignatureError("bad timestamp") from exc
    if abs((now if now is not None else time.time()) - moment) > REPLAY_WINDOW_S:
        raise SignatureError("timestamp outside the replay window")


def canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def sign_document(key: Ed25519PrivateKey, document: dict[str, Any]) -> str:
    return base64.b64encode(key.sign(canonical(document))).decode()


def verify_document(public_key: Ed25519PublicKey, document: Any, signature: Any) -> None:
    if not isinstance(document, dict) or not isinstance(signature, str) or not signature:
        raise SignatureError("the job is not signed")
    verify(public_key, signature, canonical(document))
