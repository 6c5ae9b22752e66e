"""Stored full-text search documents for publications (PostgreSQL only).

0004 indexed an expression over the publication row. At 100,000 long alerts that is
not enough: ranking (and the index's recheck) recompute the vector from the whole
snapshot for every matching row, which took minutes for a common word. So each
publication's vectors are now computed once and stored, in a table of their own
keyed by publication id, written by a trigger when the publication is inserted.
Publication is insert-only, so the row is never stale, and the trigger covers every
way a publication is written (the workflow, the synthetic bulk seeder, a shell).

- ``head``: title (weight A) and summary (B). Small, so ranking is cheap.
- ``document``: ``head`` plus the body (C): the three sections, and the text of the
  determinations, evidence and recommendations. GIN-indexed; matching uses it.

There is deliberately no foreign key: Django's test flush truncates
alerts_publication without CASCADE. Rows whose publication is gone match nothing
(search joins on the id), and an id used again overwrites its row (ON CONFLICT).
On SQLite nothing is created: search there is a simple fallback (alerts/search.py).
"""

from django.db import migrations

HEAD = """
    setweight(to_tsvector('english'::regconfig, coalesce(p.title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(p.snapshot ->> 'summary', '')), 'B')
"""
BODY = """
    setweight(
        to_tsvector('english'::regconfig,
            coalesce(p.snapshot ->> 'background', '') || ' '
            || coalesce(p.snapshot ->> 'legal_analysis', '') || ' '
            || coalesce(p.snapshot ->> 'assessment', ''))
        || jsonb_to_tsvector('english'::regconfig,
            jsonb_build_array(
                coalesce(p.snapshot -> 'ratings', '[]'::jsonb),
                coalesce(p.snapshot -> 'evidence', '[]'::jsonb),
                coalesce(p.snapshot -> 'recommendations', '[]'::jsonb)),
            '["string"]'),
        'C')
"""

CREATE = f"""
DROP INDEX IF EXISTS alerts_publication_search;

CREATE TABLE alerts_publication_search (
    publication_id bigint PRIMARY KEY,
    head tsvector NOT NULL,
    document tsvector NOT NULL
);
CREATE INDEX alerts_publication_search_document
    ON alerts_publication_search USING GIN (document);

CREATE FUNCTION alerts_publication_search_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO alerts_publication_search (publication_id, head, document)
    SELECT p.id, ({HEAD}), ({HEAD}) || ({BODY})
    FROM (SELECT NEW.id AS id, NEW.title AS title, NEW.snapshot AS snapshot) AS p
    ON CONFLICT (publication_id) DO UPDATE
        SET head = EXCLUDED.head, document = EXCLUDED.document;
    RETURN NEW;
END
$$;

CREATE TRIGGER alerts_publication_search_write
    AFTER INSERT ON alerts_publication
    FOR EACH ROW EXECUTE FUNCTION alerts_publication_search_write();

INSERT INTO alerts_publication_search (publication_id, head, document)
SELECT p.id, ({HEAD}), ({HEAD}) || ({BODY})
FROM alerts_publication AS p
ON CONFLICT (publication_id) DO NOTHING;
"""

DROP = """
DROP TRIGGER IF EXISTS alerts_publication_search_write ON alerts_publication;
DROP FUNCTION IF EXISTS alerts_publication_search_write();
DROP TABLE IF EXISTS alerts_publication_search;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)
        # Back to 0004's state: its expression index.
        module = __import__(
            "alerts.migrations.0004_publication_search_index", fromlist=["CREATE"]
        )
        schema_editor.execute(module.CREATE)


class Migration(migrations.Migration):
    dependencies = [("alerts", "0004_publication_search_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
