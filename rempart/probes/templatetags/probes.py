"""`{% scope_probe scope as probe %}`: the probe that runs a scope's scheduled scans."""

from __future__ import annotations

from typing import Any

from django import template

from rempart.probes.jobs import scope_probe as _scope_probe

register = template.Library()


@register.simple_tag
def scope_probe(scope: Any) -> Any:
    return _scope_probe(scope)
