"""Keep the search table's rows narrow (PostgreSQL only; see 0005).

A search reads, for every publication the GIN index matches, the row's
publication id from the table's heap. With ``head`` (~1 KB) stored in the row, the
heap was 142 MB at 100,000 alerts and a word matching 20,000 publications cost
0.4 s in heap reads alone. A row long enough to be TOASTed at all (over ~2 KB, as
every row with an alert's body is) now has its vectors moved out of line until it
is under 128 bytes, instead of only until it is under ~2 KB: the heap holds little
more than the ids (10 MB). Ranking reads ``head``, and a test of one row reads its
``document``, from TOAST: for the few hundred candidates a search ranks, and the
rows a walk over the newest alerts tests. The UPDATE moves the existing rows'
vectors (PostgreSQL applies the target when a row is written); it writes every row
and its index entries once more, and the old versions' space is reclaimed by
VACUUM (docs/deploy.md).
"""

from django.db import migrations

NARROW = """
ALTER TABLE alerts_publication_search SET (toast_tuple_target = 128);
UPDATE alerts_publication_search SET head = head;
"""
WIDE = "ALTER TABLE alerts_publication_search RESET (toast_tuple_target);"


def run(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("alerts", "0011_determination_filter_indexes")]

    operations = [migrations.RunPython(run(NARROW), run(WIDE))]
