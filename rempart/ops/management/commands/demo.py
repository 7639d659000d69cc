"""`rempart demo`: load the demo region into an empty platform."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rempart.ops.demo import demo_needed
from rempart.ops.management.commands.init import initialise


class Command(BaseCommand):
    help = "Load the demo region (only into a platform without establishments)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_needed():
            raise CommandError("This platform already has establishments; the demo is not loaded.")
        initialise(self, demo=True)
