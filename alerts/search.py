"""Text search over live publications: title, summary and body.

On PostgreSQL this is Django's full-text search, ranked with the title weighted above
the summary above the body. The search vector is an expression over the stored
publication (title column plus snapshot keys), and migration
``0004_publication_search_index`` puts a GIN index on exactly that expression, so the
match is an index scan however many publications there are. Publication is
insert-only, so an expression index can never go stale and needs no write hook.

On SQLite (the embedded default) a simple fallback: every word must appear in the
title, summary or body, case-insensitively; rows are ordered by where the words were
found (title, then summary, then body).

Callers pass a queryset that already starts from ``Publication.objects.live()`` or
``latest_live()``; search only narrows and orders it.
"""

import re
from functools import reduce
from operator import add, or_

from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.fields.json import KeyTextTransform

# Search config: English stemming, so "massacres" finds "massacre".
CONFIG = "english"
TITLE = "title"
SUMMARY = "summary"
BODY = ("background", "legal_analysis", "assessment")
# The words of a query, for the fallback: at most a handful, each of sane length.
MAX_WORDS = 8
MAX_QUERY_LENGTH = 200


def is_postgresql():
    return connection.vendor == "postgresql"


def search_vector():
    """The weighted document of a publication. The index in migration 0004 must match it."""
    from django.contrib.postgres.search import SearchVector

    return (
        SearchVector(TITLE, weight="A", config=CONFIG)
        + SearchVector(KeyTextTransform(SUMMARY, "snapshot"), weight="B", config=CONFIG)
        + SearchVector(
            *(KeyTextTransform(key, "snapshot") for key in BODY), weight="C", config=CONFIG
        )
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


def _postgresql(queryset, text):
    from django.contrib.postgres.search import SearchQuery, SearchRank

    query = SearchQuery(text, config=CONFIG, search_type="websearch")
    vector = search_vector()
    return (
        queryset.annotate(search_document=vector)
        .filter(search_document=query)
        .annotate(rank=SearchRank(vector, query))
        .order_by("-rank", "-issued_on", "-id")
    )


def _words(text):
    words = [w for w in re.split(r"\s+", text) if w.strip("\"'")]
    return [w.strip("\"'") for w in words][:MAX_WORDS]


def _fallback(queryset, text):
    words = _words(text)
    if not words:
        return queryset
    fields = [TITLE, f"snapshot__{SUMMARY}", *(f"snapshot__{key}" for key in BODY)]
    for word in words:
        queryset = queryset.filter(
            reduce(or_, (Q(**{f"{name}__icontains": word}) for name in fields))
        )
    score = reduce(
        add,
        (
            Case(
                When(Q(title__icontains=word), then=Value(4)),
                When(Q(**{f"snapshot__{SUMMARY}__icontains": word}), then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
            for word in words
        ),
    )
    return queryset.annotate(rank=score).order_by("-rank", "-issued_on", "-id")
