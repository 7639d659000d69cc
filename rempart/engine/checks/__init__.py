"""Native checks. Importing this package registers every check module."""

from rempart.engine.checks import base
from rempart.engine.checks.base import REGISTRY, Check, CheckContext, register

__all__ = ["REGISTRY", "Check", "CheckContext", "base", "register"]


def load_all() -> dict[str, Check]:
    """Import every check module (each registers its checks) and return the registry."""
    import importlib  # noqa: PLC0415
    import pkgutil  # noqa: PLC0415

    for module in pkgutil.iter_modules(__path__):
        if module.name != "base" and not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
    return REGISTRY
