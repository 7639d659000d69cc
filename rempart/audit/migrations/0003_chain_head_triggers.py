"""The database protects the chain head like the entries.

The head row may only point at the last entry (id 1, last sequence number and its hash, or
0 and the genesis hash for an empty log): an INSERT or UPDATE that says anything else is
refused, and so are its DELETE and TRUNCATE while the log holds entries. Without this, deleting
the head made `audit verify` report an intact chain and every later audited action fail on a
duplicate sequence number.
"""

from django.db import migrations, models

GENESIS = "0" * 64

SQLITE_CONDITION = f"""NEW.id <> 1
    OR NEW.last_seq IS NOT COALESCE((SELECT MAX(seq) FROM audit_auditentry), 0)
    OR NEW.last_hash IS NOT COALESCE(
        (SELECT hash FROM audit_auditentry WHERE seq = NEW.last_seq), '{GENESIS}')"""
SQLITE = [
    f"""CREATE TRIGGER audit_head_insert BEFORE INSERT ON audit_auditchainhead
       WHEN {SQLITE_CONDITION}
       BEGIN SELECT RAISE(ABORT, 'the audit chain head must point at the last entry'); END;""",
    f"""CREATE TRIGGER audit_head_update BEFORE UPDATE ON audit_auditchainhead
       WHEN {SQLITE_CONDITION}
       BEGIN SELECT RAISE(ABORT, 'the audit chain head must point at the last entry'); END;""",
    """CREATE TRIGGER audit_head_delete BEFORE DELETE ON audit_auditchainhead
       WHEN EXISTS (SELECT 1 FROM audit_auditentry)
       BEGIN SELECT RAISE(ABORT, 'the audit chain head cannot be removed'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_head_insert;",
    "DROP TRIGGER IF EXISTS audit_head_update;",
    "DROP TRIGGER IF EXISTS audit_head_delete;",
]
POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION audit_head_guard() RETURNS trigger AS $$
       DECLARE
         last_seq bigint;
         last_hash varchar;
       BEGIN
         IF TG_OP = 'DELETE' THEN
           IF EXISTS (SELECT 1 FROM audit_auditentry) THEN
             RAISE EXCEPTION 'the audit chain head cannot be removed';
           END IF;
           RETURN OLD;
         END IF;
         SELECT seq, hash INTO last_seq, last_hash
           FROM audit_auditentry ORDER BY seq DESC LIMIT 1;
         IF NOT FOUND THEN
           last_seq := 0;
           last_hash := '{GENESIS}';
         END IF;
         IF NEW.id <> 1 OR NEW.last_seq <> last_seq OR NEW.last_hash <> last_hash THEN
           RAISE EXCEPTION 'the audit chain head must point at the last entry';
         END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_head_guard BEFORE INSERT OR UPDATE OR DELETE
       ON audit_auditchainhead FOR EACH ROW EXECUTE FUNCTION audit_head_guard();""",
    # Its own function (not 0002's): the tests empty the log by dropping 0002's objects.
    """CREATE OR REPLACE FUNCTION audit_head_no_truncate() RETURNS trigger AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM audit_auditentry) THEN
           RAISE EXCEPTION 'the audit chain head cannot be removed';
         END IF;
         RETURN NULL;
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_auditchainhead
       FOR EACH STATEMENT EXECUTE FUNCTION audit_head_no_truncate();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_head_guard ON audit_auditchainhead;",
    "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_auditchainhead;",
    "DROP FUNCTION IF EXISTS audit_head_guard();",
    "DROP FUNCTION IF EXISTS audit_head_no_truncate();",
]


def _run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="created_at",
            field=models.DateTimeField(db_index=True, editable=False, verbose_name="timestamp"),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
