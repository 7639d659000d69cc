"""Secrets at rest (SMTP, IMAP, SSO passwords) and hashed tokens.

Encryption uses Fernet with a key derived from REMPART_ENCRYPTION_KEY; token hashes use
SHA-256 of a high-entropy random token (no salt needed: the token itself is 256 bits).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


def _fernet() -> Fernet:
    digest = hashlib.sha256(("rempart-fernet:" + settings.ENCRYPTION_KEY).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(plaintext: str) -> str:
    """Encrypt a secret for storage."""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """Decrypt a stored secret; raises ValueError when the key does not match."""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: wrong REMPART_ENCRYPTION_KEY or corrupted value") from exc


def new_token(prefix: str, nbytes: int = 32) -> str:
    """A random token such as `rmp_…`; shown once, stored only as `token_hash()`."""
    return f"{prefix}_{secrets.token_urlsafe(nbytes)}"


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equal(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text field stored encrypted; the Python value is the plaintext."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if not value else decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return value if value in (None, "") else encrypt(str(value))
