"""Domain errors raised by services and turned into user messages by views and the API."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A business rule refused the operation. `message` is translated and shown to the user."""

    def __init__(self, message: Any, *, code: str = "invalid", extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}


class PermissionDeniedError(ApplicationError):
    """The actor may see the object but not perform this action on it."""

    def __init__(self, message: Any, *, code: str = "permission_denied") -> None:
        super().__init__(message, code=code)
