"""Tenant choke point lint: interfaces never query tenant-owned models directly.

Views, API modules and templates tags must fetch tenant rows through selectors or
`Model.objects.visible_to(user)`. A direct `<TenantModel>.objects.get/filter/all/…` in
`views.py`, `views/`, `api/` fails CI (Zulip's custom_check, Saleor's semgrep rules).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

FORBIDDEN_METHODS = {
    "get",
    "filter",
    "all",
    "exclude",
    "first",
    "last",
    "get_or_create",
    "update_or_create",
    "create",
    "update",
    "delete",
    "iterator",
    "values",
    "values_list",
    "in_bulk",
    "count",
    "exists",
    "aggregate",
    "annotate",
}
ALLOWED_CHAIN = {"visible_to", "none"}


def tenant_model_names() -> set[str]:
    """Names of classes deriving from TenantOwnedModel (by source inspection, no Django)."""
    names: set[str] = set()
    for path in Path("rempart").rglob("models*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(base, ast.Name) and base.id == "TenantOwnedModel" for base in node.bases
            ):
                names.add(node.name)
    for path in Path("rempart").rglob("models/*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(base, ast.Name) and base.id == "TenantOwnedModel" for base in node.bases
            ):
                names.add(node.name)
    return names | {"JobRun", "AuditEntry"}


def interface_files() -> list[Path]:
    files = []
    for path in Path("rempart").rglob("*.py"):
        parts = path.parts
        if "tests" in parts or "migrations" in parts:
            continue
        if (
            path.name.startswith("views")
            or "views" in parts
            or "api" in parts
            or path.name == "tracking.py"
        ):
            files.append(path)
    return files


def violations(path: Path, models: set[str]) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_METHODS):
            continue
        manager = node.value
        if (
            isinstance(manager, ast.Attribute)
            and manager.attr in ("objects", "_default_manager")
            and isinstance(manager.value, ast.Name)
            and manager.value.id in models
        ):
            found.append(
                f"{path}:{node.lineno}: {manager.value.id}.objects.{node.attr}() in an interface; "
                "use a selector or .visible_to(user) (docs/tenancy.md)"
            )
    return found


def main() -> int:
    models = tenant_model_names()
    problems = [v for path in interface_files() for v in violations(path, models)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
