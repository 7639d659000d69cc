"""`rempart init`: data directory and keys, migrations, operator and first administrator."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import translation

from rempart.ops.demo import DemoAccounts, accounts_table, demo_load, demo_needed
from rempart.ops.setup import platform_setup


class Command(BaseCommand):
    help = "Prepare the data directory, migrate, create the first administrator (and demo)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--demo", action="store_true", help="Load the demo region.")

    def handle(self, *args: Any, **options: Any) -> None:
        initialise(self, demo=options["demo"])


def initialise(command: BaseCommand, *, demo: bool) -> None:
    """Shared by `init` and `run`: idempotent, prints secrets only when it creates them."""
    call_command("migrate", interactive=False, verbosity=0)
    load_demo = demo and demo_needed()
    _operator, issued = platform_setup()
    write = command.stdout.write
    if issued is not None:
        write(command.style.SUCCESS("First operator administrator created:"))
        write(f"  login:              {issued.obj.email}")
        write(f"  one-time password:  {issued.secret}")
        write(
            "  You will choose a new password and set up two-factor authentication "
            "at first sign-in."
        )
    if load_demo:
        demo_announce(command, demo_load(operator=_operator))


def demo_announce(command: BaseCommand, accounts: DemoAccounts) -> None:
    """The demo accounts as a table: login, role, establishments; then the shared password."""
    write = command.stdout.write
    write(command.style.SUCCESS("Demo region loaded. Demo accounts (same password):"))
    with translation.override("en"):  # the console speaks English, as the README's table
        rows = [("login", "role", "establishments"), *accounts_table()]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    for login, role, places in rows:
        write(f"  {login:<{widths[0]}}  {role:<{widths[1]}}  {places}")
    write(f"  password: {accounts.password}")
