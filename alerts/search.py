"""Text search over live publications: title, summary and body.

On PostgreSQL this is full-text search (English stemming), ranked with the title
weighted above the summary above the body. Each publication's search vectors are
computed once, when it is inserted, by a database trigger, and stored in
``alerts_publication_search`` with a GIN index (migration 0005, which explains why a
stored table and not an expression index). Matching reads the index; ranking reads
the small stored ``head`` vector (title A, summary B), so a body-only match ranks
after every title or summary match.

On SQLite (the embedded default) a simple fallback: every word must appear in the
title, summary or body sections, case-insensitively; rows are ordered by where the
words were found (title, then summary, then body).

Callers pass a queryset that already starts from ``Publication.objects.live()`` or
``latest_live()``, or the lists' ``public_data.live_alerts()`` (LiveSpans, whose
primary key is the publication's); search only narrows and orders it.
"""

import re
from functools import reduce
from operator import add, or_

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    Value,
    When,
)

from .models import Publication

TITLE = "title"
SUMMARY = "summary"
BODY = ("background", "legal_analysis", "assessment")
# The words of a query, for the fallback: at most a handful, each of sane length.
MAX_WORDS = 8
MAX_QUERY_LENGTH = 200


def is_postgresql():
    return connection.vendor == "postgresql"


TSQUERY = "websearch_to_tsquery('english'::regconfig, {})"


class _StoredSearch(Func):
    """A condition on a publication's stored search document, for query ``text``.

    Subclasses give the SQL template, with ``{id}`` for the publication id and
    ``{query}`` for the tsquery built from the (parameterised) text.
    """

    template_sql = ""

    def __init__(self, publication_id, text):
        super().__init__(publication_id, Value(text))

    def as_sql(self, compiler, connection, **extra_context):
        (id_sql, id_params), (text_sql, text_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        query = TSQUERY.format(text_sql)
        sql = self.template_sql.format(id=id_sql, query=query)
        # Parameters in the order their placeholders appear in the SQL.
        if sql.index(query) < sql.index(id_sql):
            return sql, (*text_params, *id_params)
        return sql, (*id_params, *text_params)


class StoredRank(_StoredSearch):
    """The rank of a publication for a query, read from its stored ``head`` vector."""

    output_field = FloatField()
    template_sql = (
        "(SELECT ts_rank(s.head, {query}) "
        "FROM alerts_publication_search s WHERE s.publication_id = {id})"
    )


class StoredMatch(_StoredSearch):
    """True for a publication whose stored document matches the query.

    Written as ``id = ANY(ARRAY(SELECT ... WHERE document @@ query))``: PostgreSQL
    computes the matching ids once, from the GIN index, and then fetches just those
    publications by primary key. With ``id IN (SELECT ...)`` it tends to start from
    the live publications (whose count it underestimates) and test each one's stored
    document instead, which grows with the corpus.
    """

    output_field = BooleanField()
    template_sql = (
        "{id} = ANY(ARRAY(SELECT publication_id FROM alerts_publication_search "
        "WHERE document @@ {query}))"
    )


def clean_query(text):
    return " ".join((text or "").split())[:MAX_QUERY_LENGTH]


def search(queryset, text):
    """``queryset`` narrowed to publications matching ``text``, best matches first."""
    text = clean_query(text)
    if not text:
        return queryset
    if is_postgresql():
        return _postgresql(queryset, text)
    return _fallback(queryset, text)


def _newest_last(queryset):
    """The tie-break after rank: newest issued, then newest publication."""
    return ("-issued_on", f"-{queryset.model._meta.pk.attname}")


def _postgresql(queryset, text):
    return (
        queryset.filter(StoredMatch(F("pk"), text))
        .annotate(rank=StoredRank(F("pk"), text))
        .order_by("-rank", *_newest_last(queryset))
    )


def _words(text):
    words = [w for w in re.split(r"\s+", text) if w.strip("\"'")]
    return [w.strip("\"'") for w in words][:MAX_WORDS]


def _fallback(queryset, text):
    words = _words(text)
    if not words:
        return queryset
    # Publications, or rows that lead to one (the lists' LiveSpans).
    via = "" if queryset.model is Publication else "publication__"
    title, summary = f"{via}{TITLE}", f"{via}snapshot__{SUMMARY}"
    fields = [title, summary, *(f"{via}snapshot__{key}" for key in BODY)]
    for word in words:
        queryset = queryset.filter(
            reduce(or_, (Q(**{f"{name}__icontains": word}) for name in fields))
        )
    score = reduce(
        add,
        (
            Case(
                When(Q(**{f"{title}__icontains": word}), then=Value(4)),
                When(Q(**{f"{summary}__icontains": word}), then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
            for word in words
        ),
    )
    return queryset.annotate(rank=score).order_by("-rank", *_newest_last(queryset))
