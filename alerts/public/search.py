"""Text search over live publications: title, summary and body.

On PostgreSQL this is full-text search (English stemming). Each publication's search
vector (title weighted A, summary B, the body C) is made once, when it is published
(alerts/rendering.py), and kept in ``Publication.search_document`` with a GIN index.
Matches are ranked by ``SearchRank`` on the title and summary only (the body's weight
is zero), so a body-only match ranks after every title or summary match, newest first.

At most about RANKED_MATCHES matches are ranked, the newest: a word found in almost
every alert would otherwise have every alert ranked. The page says when there were
more matches.

On SQLite (the embedded default) a simple fallback: every word must appear in the
title, summary or body sections, case-insensitively; rows are ordered by where the
words were found (title, then summary, then body).

Callers pass a queryset that starts from ``Publication.objects.live()`` or
``current()``; search only narrows and orders it.
"""

import re
from functools import reduce
from operator import add, or_

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, Value, When

from ..models import Alert

TITLE = "title"
SUMMARY = "snapshot__summary"
BODY = tuple(f"snapshot__{name}" for name in Alert.TEXT_FIELDS if name != "summary")
# The words of a query, for the fallback: at most a handful, each of sane length.
MAX_WORDS = 8
MAX_QUERY_LENGTH = 200
# Weights of D, C, B and A in the rank: the body (C) adds nothing.
RANK_WEIGHTS = [0.0, 0.0, 0.4, 1.0]
# The tie-break after rank, and the order in which the newest matches are chosen.
NEWEST_FIRST = ("-issued_on", "-go_live_at", "-id")


def is_postgresql():
    return connection.vendor == "postgresql"


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
    if is_postgresql():
        query = SearchQuery(text, search_type="websearch", config="english")
        matches = queryset.filter(search_document=query)
    else:
        matches = _fallback_matches(queryset, text)
    newest = matches.order_by(*NEWEST_FIRST).values("pk")[: RANKED_MATCHES + 1]
    candidates = queryset.filter(pk__in=newest)
    if is_postgresql():
        rank = SearchRank(F("search_document"), query, weights=RANK_WEIGHTS)
        return candidates.annotate(rank=rank).order_by("-rank", *NEWEST_FIRST)
    return _rank_fallback(candidates, text)


def has_terms(text):
    """True when ``text`` searches for something (not blank, not only quotes), the
    same on both databases."""
    return bool(_words(clean_query(text)))


def capped(count):
    """True when a search's result ``count`` means that more alerts matched than ranked."""
    return count > RANKED_MATCHES


def _words(text):
    words = [w for w in re.split(r"\s+", text) if w.strip("\"'")]
    return [w.strip("\"'") for w in words][:MAX_WORDS]


def _fallback_matches(queryset, text):
    for word in _words(text):
        queryset = queryset.filter(
            reduce(or_, (Q(**{f"{name}__icontains": word}) for name in (TITLE, SUMMARY, *BODY)))
        )
    return queryset


def _rank_fallback(queryset, text):
    words = _words(text)
    if not words:
        return queryset
    score = reduce(
        add,
        (
            Case(
                When(Q(**{f"{TITLE}__icontains": word}), then=Value(4)),
                When(Q(**{f"{SUMMARY}__icontains": word}), then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
            for word in words
        ),
    )
    return queryset.annotate(rank=score).order_by("-rank", *NEWEST_FIRST)
