"""Send the due messages of a campaign now, in this process (`rempart phishing_send`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rempart.phishing.models import Campaign
from rempart.phishing.sending import sender


class Command(BaseCommand):
    help = "Send a campaign's due messages in this process (what the workers do)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", help="Public id of the campaign.")
        parser.add_argument("--lane", type=int, default=0)
        parser.add_argument("--lanes", type=int, default=1)
        parser.add_argument("--budget", type=float, default=3600.0, help="Seconds at most.")

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = Campaign.objects.filter(public_id=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"no campaign {options['campaign']}")
        report = sender.send_due(
            campaign_id=campaign.pk,
            lane=options["lane"],
            lanes=options["lanes"],
            budget_seconds=options["budget"],
        )
        self.stdout.write(f"sent {report.sent}, failed {report.failed}, deferred {report.deferred}")
        for error in report.errors:
            self.stderr.write(error)
