"""Give the planner word frequencies for the search table (PostgreSQL only).

A search picks its plan by how many publications PostgreSQL expects a word to
match: few, read them off the GIN index; many, walk the alerts newest first and
test each (alerts/search.py). With the default statistics it tracks only the
commonest ~1,000 words, and estimated a word in 12,000 of 140,000 rows (at 100,000
alerts) at 700; it then tested every row's out-of-line vector in a table scan
(0012), which took 1.2 s instead of 0.1. With ten times the statistics the
estimate is close and the walk is chosen. ANALYZE reads the table's sample again
(about 10 s at 100,000 alerts).
"""

from django.db import migrations

MORE = """
ALTER TABLE alerts_publication_search ALTER COLUMN document SET STATISTICS 2000;
ANALYZE alerts_publication_search;
"""
DEFAULT = "ALTER TABLE alerts_publication_search ALTER COLUMN document SET STATISTICS -1;"


def run(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("alerts", "0015_live_span_count")]

    operations = [migrations.RunPython(run(MORE), run(DEFAULT))]
