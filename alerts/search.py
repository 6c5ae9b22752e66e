"""Text search over live publications: title, summary and body.

On PostgreSQL this is full-text search (English stemming), ranked with the title
weighted above the summary above the body. Each publication's search vectors are
computed once, when it is inserted, by a database trigger, and stored in
``alerts_publication_search`` with a GIN index (migration 0005, which explains why a
stored table and not an expression index). Matching reads the index; ranking reads
the small stored ``head`` vector (title A, summary B), so a body-only match ranks
after every title or summary match.

At most about RANKED_MATCHES matches are ranked, the newest, on both databases: a
rare word's matches come straight from the index, a common word's by walking the
alerts newest first and testing each until enough matched (PostgreSQL chooses).
Either way a search reads a bounded number of rows, and the page says when there
were more matches.

On SQLite (the embedded default) a simple fallback: every word must appear in the
title, summary or body sections, case-insensitively; rows are ordered by where the
words were found (title, then summary, then body).

Callers pass a queryset that already starts from ``Publication.objects.live()`` or
``latest_live()``, or the lists' rows (``public_data.live_alerts()`` or
``live_facets()``, which lead to one publication each by ``publication_id``);
search only narrows and orders it.
"""

import re
from functools import reduce
from operator import add, or_

from django.db import connection
from django.db.models import (
    Case,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.expressions import RawSQL

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
    """An expression on a publication's stored search vectors, for query ``text``.

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


class StoredMatch(RawSQL):
    """The ids of the publications whose stored document matches ``text``.

    Used as ``pk__in``: PostgreSQL then picks, from its statistics of the words,
    between reading every match from the GIN index (a rare word) and walking the
    caller's rows newest first, testing each, until enough matched (a common one).
    """

    def __init__(self, text):
        super().__init__(
            "SELECT publication_id FROM alerts_publication_search "
            f"WHERE document @@ {TSQUERY.format('%s')}",
            (text,),
        )


# Search ranks at most about this many matches: the newest. A word found in almost
# every alert matched ~100,000 of them at 100,000 alerts, and ranking them all took
# 5-12 s. The list page says when a search found more (``capped``).
RANKED_MATCHES = 500


def clean_query(text):
    return " ".join((text or "").split())[:MAX_QUERY_LENGTH]


def search(queryset, text):
    """``queryset`` narrowed to publications matching ``text``, best matches first:
    all of them, or, when more than RANKED_MATCHES match, the newest RANKED_MATCHES + 1
    (so a count above RANKED_MATCHES means there were more: see ``capped``)."""
    if not has_terms(text):
        return queryset
    text = clean_query(text)
    publication = _publication_id(queryset)
    if is_postgresql():
        matches = queryset.filter(**{f"{publication}__in": StoredMatch(text)})
    else:
        matches = _fallback_matches(queryset, text)
    order = queryset.query.order_by or _newest_last(queryset)
    newest = matches.order_by(*order).values(publication)[: RANKED_MATCHES + 1]
    candidates = queryset.filter(**{f"{publication}__in": newest})
    if is_postgresql():
        return candidates.annotate(rank=StoredRank(F(publication), text)).order_by(
            "-rank", *_newest_last(queryset)
        )
    return _rank_fallback(candidates, text)


def has_terms(text):
    """True when ``text`` searches for something (not blank, not only quotes), the
    same on both databases."""
    return bool(_words(clean_query(text)))


def capped(count):
    """True when a search's result ``count`` means that more alerts matched than ranked."""
    return count > RANKED_MATCHES


def _newest_last(queryset):
    """The tie-break after rank: newest issued, then newest publication."""
    return ("-issued_on", f"-{_publication_id(queryset)}")


def _publication_id(queryset):
    """The field of ``queryset``'s rows that holds the publication's id."""
    return "pk" if queryset.model is Publication else "publication_id"


def _words(text):
    words = [w for w in re.split(r"\s+", text) if w.strip("\"'")]
    return [w.strip("\"'") for w in words][:MAX_WORDS]


def _fields(queryset):
    """Title, summary and body lookups, from publications or rows that lead to one
    (the lists' LiveSpans)."""
    via = "" if queryset.model is Publication else "publication__"
    return f"{via}{TITLE}", f"{via}snapshot__{SUMMARY}", [f"{via}snapshot__{k}" for k in BODY]


def _fallback_matches(queryset, text):
    title, summary, body = _fields(queryset)
    for word in _words(text):
        queryset = queryset.filter(
            reduce(or_, (Q(**{f"{name}__icontains": word}) for name in (title, summary, *body)))
        )
    return queryset


def _rank_fallback(queryset, text):
    words = _words(text)
    if not words:
        return queryset
    title, summary, _ = _fields(queryset)
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
