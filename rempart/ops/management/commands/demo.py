"""`rempart demo`: load the demo region into an empty platform."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rempart.ops.demo import demo_load, demo_needed
from rempart.ops.setup import operator_ensure


class Command(BaseCommand):
    help = "Load the demo region (only into a platform without establishments)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_needed():
            raise CommandError("This platform already has establishments; the demo is not loaded.")
        accounts = demo_load(operator=operator_ensure())
        for email in accounts.emails:
            self.stdout.write(f"  {email}")
        self.stdout.write(f"  password: {accounts.password}")
