"""`rempart signin list` and `rempart signin unlock`: the sign-in waits after wrong passwords."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rempart.accounts import throttle


class Command(BaseCommand):
    help = (
        "Sign-in throttling. `list`: the waits in progress. `unlock EMAIL` lifts the waits of "
        "an account (every address); `unlock --address ADDRESS` those of an address."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["list", "unlock"])
        parser.add_argument("email", nargs="?", help="the account's e-mail address")
        parser.add_argument("--address", help="a network address (IPv4 or IPv6)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list()
            return
        email, address = options["email"], options["address"]
        if not email and not address:
            raise CommandError("name an account (EMAIL) or an address (--address)")
        count = throttle.sign_in_unlock(actor=None, login=email, address=address)
        self.stdout.write(
            self.style.SUCCESS(f"{count} wait(s) lifted.")
            if count
            else "Nothing to lift: no wait recorded for this account or address."
        )

    def _list(self) -> None:
        rows = list(throttle.throttle_list())
        if not rows:
            self.stdout.write("No sign-in is waiting.")
            return
        now = timezone.now()
        for row in rows:
            seconds = int(((row.blocked_until or now) - now).total_seconds())
            login = row.login or "(every account)"
            self.stdout.write(
                f"{login}\t{row.address}\t{row.failures} failures\twaits {seconds} s more"
            )
