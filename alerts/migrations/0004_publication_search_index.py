"""A GIN index on the full-text search document of a publication (PostgreSQL only).

The expression is exactly ``alerts.search.search_vector()`` as Django compiles it,
so the planner uses the index for ``search_document @@ query``. It is frozen here
(migrations must not change when code does); tests/public/test_search.py checks on
PostgreSQL that a search query really uses this index. On SQLite nothing is created:
search there is a simple fallback.

CONCURRENTLY is not used: it cannot run inside the migration's transaction, and the
table is small when this first runs. A later change of the expression should build
the new index concurrently in a non-atomic migration.
"""

from django.db import migrations

INDEX_NAME = "alerts_publication_search"

CREATE = f"""
CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON alerts_publication USING GIN ((
    (setweight(to_tsvector('english'::regconfig, COALESCE("title", '')), 'A')
     || setweight(to_tsvector('english'::regconfig, COALESCE(("snapshot" ->> 'summary'), '')), 'B'))
    || setweight(to_tsvector('english'::regconfig,
           COALESCE(("snapshot" ->> 'background'), '') || ' '
           || COALESCE(("snapshot" ->> 'legal_analysis'), '') || ' '
           || COALESCE(("snapshot" ->> 'assessment'), '')), 'C')
))
"""

DROP = f"DROP INDEX IF EXISTS {INDEX_NAME}"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("alerts", "0003_workflow")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
