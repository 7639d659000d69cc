"""OpenAPI: the API token authentication, and the error answers of every operation."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "rempart.api.authentication.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "rmp_…"}


ERROR_COMPONENT = {
    "type": "object",
    "description": "Every error of the API (docs/api.md, “Errors”).",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "Invalid fields (400), each with its messages.",
                    "additionalProperties": True,
                },
            },
        }
    },
}
ERRORS = {
    "400": "Invalid parameters or body",
    "401": "Missing, invalid, expired or revoked token",
    "403": "The token's scopes or the user's role do not allow it",
    "404": "Not found, or out of the caller's reach",
    "405": "Method not allowed",
    "406": "The Accept header asks for a format the API does not serve",
}
BODY_ERRORS = {"415": "The body's content type is not JSON, a form or multipart"}


def document_errors(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular post-processing hook: every operation documents the error answers
    it can give, in the API's one error format (checked by tests/test_api_fuzz.py)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_COMPONENT
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            errors = {**ERRORS, **(BODY_ERRORS if "requestBody" in operation else {})}
            responses = operation.setdefault("responses", {})
            for status, description in errors.items():
                responses.setdefault(status, {"description": description, "content": reference})
    return result
