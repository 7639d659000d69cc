"""Campaigns launched before `launched_at` was recorded get it from their first sent
target (the moment the relay accepted their first message)."""

from typing import Any

from django.db import migrations
from django.db.models import OuterRef, Subquery


def backfill_launched_at(apps: Any, schema_editor: Any) -> None:
    campaign_model = apps.get_model("phishing", "Campaign")
    target_model = apps.get_model("phishing", "Target")
    sent = target_model.objects.filter(sent_at__isnull=False)
    first_sent = sent.filter(campaign=OuterRef("pk")).order_by("sent_at").values("sent_at")[:1]
    campaign_model.objects.filter(
        launched_at__isnull=True, pk__in=sent.values("campaign")
    ).update(launched_at=Subquery(first_sent))


class Migration(migrations.Migration):
    dependencies = [("phishing", "0005_campaign_anonymous_mode")]

    operations = [migrations.RunPython(backfill_launched_at, migrations.RunPython.noop)]
