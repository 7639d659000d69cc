"""Input validation helper shared by API views."""

from __future__ import annotations

from typing import Any


def validated(serializer_class: Any, data: Any, *, partial: bool = False) -> dict[str, Any]:
    """Validate `data` with an input serializer; raises a 400 in the API's error format."""
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    result: dict[str, Any] = serializer.validated_data
    return result
