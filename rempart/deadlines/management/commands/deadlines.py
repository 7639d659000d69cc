"""`rempart deadlines list` and `rempart deadlines revise CODE --hours N --from DATE`: the
deadline rules, and a new version of one (e.g. the cooperative's target for the ANS
declaration "sans délai"); deadlines already open keep their due time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rempart.core.errors import ApplicationError
from rempart.deadlines.models import DeadlineRule
from rempart.deadlines.services import deadline_rule_revise


class Command(BaseCommand):
    help = "Deadline rules: `list`, or `revise CODE --hours N [--months M] --from YYYY-MM-DD`."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["list", "revise"])
        parser.add_argument("code", nargs="?", help="the rule's code (see `list`)")
        parser.add_argument("--hours", type=float, help="time allowed, in hours")
        parser.add_argument("--months", type=int, help="calendar months allowed")
        parser.add_argument("--from", dest="valid_from", help="first day of the new version")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for rule in DeadlineRule.objects.order_by("code", "version"):
                allowed = f"{rule.offset_months} month(s) + {rule.offset}"
                self.stdout.write(
                    f"{rule.code}\tv{rule.version}\tfrom {rule.valid_from}\t{allowed}\t{rule.label}"
                )
            return
        if not options["code"] or not options["valid_from"]:
            raise CommandError("give the rule's CODE and --from YYYY-MM-DD")
        try:
            valid_from = dt.date.fromisoformat(options["valid_from"])
        except ValueError as exc:
            raise CommandError(f"--from: not a date: {options['valid_from']}") from exc
        hours = options["hours"]
        try:
            rule = deadline_rule_revise(
                code=options["code"],
                valid_from=valid_from,
                actor=None,
                offset=dt.timedelta(hours=hours) if hours is not None else None,
                offset_months=options["months"],
            )
        except ApplicationError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(f"{rule.code} v{rule.version} from {rule.valid_from}: {rule.offset}")
