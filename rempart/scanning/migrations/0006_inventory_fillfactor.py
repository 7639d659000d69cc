"""PostgreSQL: leave room in the inventory's pages so that a re-import updates rows in place.

Every import of a known network rewrites each asset's and service's `last_seen`. With full
pages (the default fill factor, 100) each such update writes the new row version on another
page and adds an entry to every index of the table; with free room on the page and no indexed
column changed, PostgreSQL writes a heap-only tuple and leaves the indexes alone. SQLite has
no such setting.
"""

from django.db import migrations

TABLES = ("scanning_asset", "scanning_service")


def _fillfactor(value: int):  # type: ignore[no-untyped-def]
    def apply(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in TABLES:
            schema_editor.execute(
                f"ALTER TABLE {schema_editor.quote_name(table)} SET (fillfactor = {value})"
            )

    return apply


class Migration(migrations.Migration):
    dependencies = [("scanning", "0005_message_codes")]

    operations = [migrations.RunPython(_fillfactor(70), _fillfactor(100))]
