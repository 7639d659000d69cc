"""The regulatory deadlines known today, as data (labels in French: these are French and EU
texts). A change of law or of the cooperative's target is a new version, never an edit."""

import datetime as dt

from django.db import migrations

HOUR, DAY = 3600, 86400
RULES = [
    {
        "code": "cnil.breach_notification",
        "valid_from": dt.date(2018, 5, 25),
        "label": "Notification de la violation de données à la CNIL",
        "start_event": "awareness",
        "offset": dt.timedelta(hours=72),
        "reminders": [48 * HOUR, 24 * HOUR, 6 * HOUR],
        "reference": "RGPD, article 33(1)",
    },
    {
        "code": "nis2.early_warning",
        "valid_from": dt.date(2024, 10, 18),
        "label": "NIS 2 : alerte précoce au CSIRT (ANSSI)",
        "start_event": "awareness",
        "offset": dt.timedelta(hours=24),
        "reminders": [12 * HOUR, 4 * HOUR],
        "reference": "Directive (UE) 2022/2555, article 23(4)(a)",
    },
    {
        "code": "nis2.incident_notification",
        "valid_from": dt.date(2024, 10, 18),
        "label": "NIS 2 : notification de l'incident",
        "start_event": "awareness",
        "offset": dt.timedelta(hours=72),
        "reminders": [24 * HOUR, 6 * HOUR],
        "reference": "Directive (UE) 2022/2555, article 23(4)(b)",
    },
    {
        "code": "nis2.final_report",
        "valid_from": dt.date(2024, 10, 18),
        "label": "NIS 2 : rapport final",
        "start_event": "notification_sent",
        "offset": dt.timedelta(0),
        "offset_months": 1,
        "reminders": [7 * DAY, 1 * DAY],
        "reference": "Directive (UE) 2022/2555, article 23(4)(d)",
    },
    {
        "code": "ans.incident_declaration",
        "valid_from": dt.date(2017, 1, 1),
        "label": "Déclaration de l'incident à l'ARS (portail de signalement, CERT Santé)",
        "start_event": "awareness",
        "offset": dt.timedelta(hours=24),
        "immediate": True,
        "reminders": [6 * HOUR, 1 * HOUR],
        "reference": "Code de la santé publique, articles L. 1111-8-2 et D. 1111-16-2",
    },
]


def seed(apps, schema_editor):
    rule = apps.get_model("deadlines", "DeadlineRule")
    for values in RULES:
        rule.objects.get_or_create(code=values["code"], version=1, defaults=values)


def unseed(apps, schema_editor):
    rule = apps.get_model("deadlines", "DeadlineRule")
    rule.objects.filter(code__in=[r["code"] for r in RULES], version=1, deadlines=None).delete()


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
