"""Text search over live publications, on whichever database is running.

On PostgreSQL it is full-text search: stemmed, ranked title > summary > body, and
answered from the GIN index of migration 0004. On SQLite it is the simple fallback:
case-insensitive substrings, every word required, ranked the same way.
"""

import datetime

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.urls import reverse

from alerts.models import Publication
from alerts.public import queries, search
from tests.alerts.public.conftest import publish_alert
from tests.alerts.public.helpers import fetch
from tests.builders import edit_alert

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"


def found(text):
    return [p.title for p in search.search(queries.live_alerts(), text)]


@pytest.fixture
def three(editor):
    return [
        publish_alert(editor, title="Body mention", background="A kestrel was seen [1]."),
        publish_alert(editor, title="Kestrel in the title"),
        publish_alert(editor, title="Summary mention", summary="Kestrel sightings [1]."),
    ]


def test_title_ranks_above_summary_above_body(three):
    assert found("kestrel") == ["Kestrel in the title", "Summary mention", "Body mention"]


def test_every_word_must_match(three, editor):
    publish_alert(editor, title="Kestrel and falcon")
    assert found("kestrel falcon") == ["Kestrel and falcon"]
    assert found("falcon") == ["Kestrel and falcon"]


def test_empty_or_blank_query_changes_nothing(three):
    assert len(found("")) == 3
    assert len(found("   ")) == 3


@pytest.mark.parametrize(
    "text", ['"unbalanced', "a & b | !c", "(x:*)", "' OR 1=1 --", "%_%", "\\", "🔥" * 50]
)
def test_odd_queries_do_not_fail(three, text, client):
    found(text)
    assert client.get(reverse("public:alert_list"), {"q": text}).status_code == 200


def test_only_the_current_publication_is_searched(publication, editor):
    edit_alert(publication.alert, user=editor, summary="Entirely rewritten [1].")
    from tests.alerts.workflow_helpers import publish

    publish(publication.alert, editor=editor, change_kind="update", change_note="Rewritten.")
    assert found("rewritten") == ["Emergency in the Caucasus"]
    assert found("convention") == []  # only in the superseded first version's summary


def test_word_forms(editor):
    publish_alert(editor, title="Reports of a massacre")
    if POSTGRESQL:
        # English stemming: other forms of the word find it.
        assert found("massacres") == ["Reports of a massacre"]
        assert found("massacred") == ["Reports of a massacre"]
    else:
        # The fallback matches substrings: a longer form does not match a shorter one.
        assert found("massacres") == []
        assert found("massac") == ["Reports of a massacre"]
    assert found("MASSACRE") == ["Reports of a massacre"]


def test_the_list_page_searches(three, client):
    html = fetch(client, reverse("public:alert_list") + "?q=kestrel")
    assert "3 alerts" in html
    assert html.index("Kestrel in the title") < html.index("Body mention")


def test_the_search_is_indexed_where_the_database_can_index_it(three):
    """PostgreSQL: every publication's search vector is made when it is published,
    GIN-indexed, and matching can read the index. SQLite: no vector; the fallback
    scans, which is fine for the embedded database."""
    assert search.is_postgresql() == POSTGRESQL
    documents = Publication.objects.filter(pk__in=[p.pk for p in three])
    if not POSTGRESQL:
        assert set(documents.values_list("search_document", flat=True)) == {None}
        return
    query = SearchQuery("kestrel", config="english")
    # All three mention it: in the body, the title and the summary.
    assert documents.filter(search_document=query).count() == 3
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'alerts_publication_search_document'"
        )
        [(definition,)] = cursor.fetchall()
        assert "gin (search_document)" in definition.lower()
        # Matching can be read from the index. (Whether a given search does is
        # PostgreSQL's choice from its statistics: for a common word, walking the
        # newest rows and testing each stops sooner.)
        # On three rows any scan is cheap: leave PostgreSQL only the bitmap scan a GIN
        # index offers (or none), to see that the index can answer the match.
        for scan in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
    plan = Publication.objects.filter(search_document=query).order_by().values("pk").explain()
    assert "alerts_publication_search_document" in plan, plan


@pytest.fixture
def five_kestrels(editor, monkeypatch):
    """Five matching alerts, issued a year apart, and a search that ranks at most three."""
    monkeypatch.setattr(search, "RANKED_MATCHES", 3)
    for year in range(2015, 2020):
        publish_alert(
            editor,
            title=f"Kestrel count {year}",
            issued_on=datetime.date(year, 1, 1),
            background="Nothing about birds [1]." if year != 2016 else "A kestrel sighted [1].",
        )


def test_a_search_matching_more_than_it_ranks_ranks_the_newest(five_kestrels):
    # Four newest (one more than ranked, so the count shows there were more), best
    # first: the title-and-body match, then the rest newest first.
    assert found("kestrel") == [
        "Kestrel count 2019",
        "Kestrel count 2018",
        "Kestrel count 2017",
        "Kestrel count 2016",
    ]
    # Four match "birds" (not 2016): all four are one more than ranked.
    assert found("birds") == [
        "Kestrel count 2019",
        "Kestrel count 2018",
        "Kestrel count 2017",
        "Kestrel count 2015",
    ]


def test_a_search_matching_no_more_than_it_ranks_ranks_them_all(five_kestrels):
    assert found("kestrel sighted") == ["Kestrel count 2016"]
    assert found("kestrel 2015") == ["Kestrel count 2015"]


def test_the_list_page_says_when_a_search_matched_more_than_it_ranks(five_kestrels, client):
    html = fetch(client, reverse("public:alert_list") + "?q=kestrel")
    assert "More than 3 alerts match" in html
    assert "best matches among the most recent" in html
    assert "Kestrel count 2015" not in html

    html = fetch(client, reverse("public:alert_list") + "?q=kestrel+sighted")
    assert "1 alert" in html
    assert "More than" not in html


def test_the_newest_matches_are_taken_after_the_other_filters(five_kestrels, client):
    html = fetch(client, reverse("public:alert_list") + "?q=kestrel&issued_before=2016-06-01")
    assert "2 alerts" in html
    assert "Kestrel count 2015" in html
    assert "Kestrel count 2016" in html


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("1", ["Kestrel count 2019", "Kestrel count 2018"]),
        ("2", ["Kestrel count 2017", "Kestrel count 2016"]),
        ("9", ["Kestrel count 2017", "Kestrel count 2016"]),  # past the end: the last page
        ("x", ["Kestrel count 2019", "Kestrel count 2018"]),  # not a number: the first
        ("-1", ["Kestrel count 2017", "Kestrel count 2016"]),  # as Django's get_page does
        ("461168601842738791", ["Kestrel count 2017", "Kestrel count 2016"]),  # no overflow
    ],
)
def test_search_results_are_paginated_like_any_list(
    five_kestrels, client, monkeypatch, page, shown
):
    monkeypatch.setattr("alerts.public.views.PER_PAGE", 2)
    html = fetch(client, reverse("public:alert_list") + f"?q=kestrel&page={page}")
    titles = [t for t in ("2019", "2018", "2017", "2016", "2015") if f"Kestrel count {t}" in html]
    assert [f"Kestrel count {t}" for t in titles] == shown
    assert "Page " + ("1" if shown[0].endswith("2019") else "2") + " of 2" in html


def test_a_query_of_only_quotes_is_no_search(five_kestrels, client):
    html = fetch(client, reverse("public:alert_list") + '?q=""')
    assert "More than" not in html
    assert "5 alerts" in html
