# On PostgreSQL the database itself refuses to change or delete what the public and the
# audit trail rely on: publications, their determinations, approvals and workflow
# events (ImmutableModel refuses it in the application; these refuse raw SQL, a
# queryset that bypasses the manager, another program). TRUNCATE is left alone: it is
# not a row change, and the test suite flushes tables with it. SQLite relies on
# ImmutableModel alone. After 0008, whose chaining of existing events updates them.

from django.db import migrations

# Publication's rendered columns are made from the approved snapshot and may be made
# again (alerts/rendering.py RENDERED_FIELDS: render_publications after a fix to the
# sanitiser, and the bench's bulk writer fills search_document after COPY). Every
# other column, the snapshot and its hash above all, stays as it was inserted; any
# column added later is protected too, since the comparison is of the whole row.
RENDERED = "ARRAY['content_html', 'summary_html', 'summary_text', 'countries', 'search_document']"

FUNCTIONS = f"""
CREATE FUNCTION alerts_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Writing a row again as it is changes nothing: loaddata does it to rows that
    -- already exist.
    IF TG_OP = 'UPDATE' AND to_jsonb(NEW) = to_jsonb(OLD) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'rows of % are insert-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE FUNCTION alerts_publication_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND to_jsonb(NEW) - {RENDERED} = to_jsonb(OLD) - {RENDERED} THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'publications are insert-only (only their rendered columns may be made again): % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
"""

TABLES = {
    "alerts_publication": "alerts_publication_refuse_change",
    "alerts_publisheddetermination": "alerts_refuse_change",
    "alerts_approval": "alerts_refuse_change",
    "alerts_workflowevent": "alerts_refuse_change",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # No parameters: the SQL is passed as it is, its % signs included.
    schema_editor.execute(FUNCTIONS, params=None)
    for table, function in TABLES.items():
        schema_editor.execute(
            f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER {table}_insert_only ON {table}")
    schema_editor.execute("DROP FUNCTION alerts_refuse_change(), alerts_publication_refuse_change()")


class Migration(migrations.Migration):

    dependencies = [
        ('alerts', '0009_submitted_alerts_kept'),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
