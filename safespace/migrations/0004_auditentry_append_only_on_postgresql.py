"""On PostgreSQL, the database itself refuses to change or delete an audit entry.

SQLite has no such guard here (the test suite flushes tables with DELETE there);
the model and its queryset refuse instead.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION safespace_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER safespace_auditentry_append_only
    BEFORE UPDATE OR DELETE ON safespace_auditentry
    FOR EACH ROW EXECUTE FUNCTION safespace_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS safespace_auditentry_append_only ON safespace_auditentry;
DROP FUNCTION IF EXISTS safespace_audit_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("safespace", "0003_auditentry")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
