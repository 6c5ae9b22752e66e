"""The GIN index of Publication.search_document (alerts/search.py), on PostgreSQL only.

Declared here rather than in the model's Meta: SQLite has no GIN indexes (nor
tsvector values: the column stays NULL there), and the suite runs on both.
"""

from django.db import migrations

INDEX = "alerts_publication_search_document"
CREATE = f"CREATE INDEX {INDEX} ON alerts_publication USING GIN (search_document)"
DROP = f"DROP INDEX IF EXISTS {INDEX}"


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
