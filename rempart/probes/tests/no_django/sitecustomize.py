"""Put on PYTHONPATH of a probe child process: any import of Django (or of the platform's
apps) fails, so a test run proves the probe works without them."""

import sys
from importlib.abc import MetaPathFinder

FORBIDDEN = ("django", "rest_framework", "celery", "config", "rempart.probes", "rempart.scanning")


class _Forbid(MetaPathFinder):
    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
            raise ImportError(f"the probe must not import {name}")


sys.meta_path.insert(0, _Forbid())
