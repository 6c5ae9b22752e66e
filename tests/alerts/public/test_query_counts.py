"""Every public page issues a small, fixed number of queries, however big the content.

Each URL is measured twice, on a small site and after the site has grown (more
alerts, and an alert with many citations, ratings, evidence and recommendations
and several versions); the count must not grow and must stay within its bound.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.editing import revision
from alerts.models import Level, Recommendation, StageEvidence
from stages.models import Stage
from tests.alerts.public.conftest import publish_alert
from tests.alerts.public.helpers import body_of
from tests.alerts.workflow_helpers import publish
from tests.builders import edit_alert, make_alert, make_source

pytestmark = pytest.mark.django_db

SLUG = "the-big-alert"
COUNTRIES = [f"Country {chr(ord('A') + i)}" for i in range(8)]


def urls():
    return {
        # (url, the most queries it may make), measured with the page cache empty but
        # for its generation (alerts/public/page_cache.py), as every request but the first
        # after a change finds it; a repeat visit makes none (tests/alerts/public/test_caching.py).
        "home": (reverse("public:home"), 4),
        "list": (reverse("public:alert_list"), 5),
        "list, filtered": (
            reverse("public:alert_list") + "?country=country-a&stage=8&level=2&q=alert",
            5,
        ),
        "alert": (reverse("public:alert_detail", args=[SLUG]), 2),
        "versions": (reverse("public:alert_versions", args=[SLUG]), 4),
        "version": (reverse("public:alert_version", args=[SLUG, 1]), 4),
        "countries": (reverse("public:country_list"), 3),
        "country": (reverse("public:country_detail", args=["country-a"]), 5),
        "stages": (reverse("public:stage_list"), 3),
        "feed": (reverse("public:feed_alerts"), 4),
        "country feed": (reverse("public:feed_country", args=["country-a"]), 6),
        "api list": (reverse("public:api_alert_list"), 4),
        "api alert": (reverse("public:api_alert_detail", args=[SLUG]), 3),
        "csv": (reverse("public:api_determinations_csv"), 2),
        "sitemap": (reverse("public:sitemap_section", args=["alerts"]), 3),
    }


def start_generation(client):
    """A cached page not measured here: it starts the page cache's generation."""
    assert client.get(reverse("public:country_list") + "?sort=name").status_code == 200


def count_queries(client, url):
    cache.clear()
    start_generation(client)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        body_of(response)  # a streaming response queries while it is read
    assert response.status_code == 200, url
    return len(queries)


def grow(editor, alert):
    """Many more alerts, and many more parts and versions of the big alert."""
    for n in range(25):
        publish_alert(editor, title=f"Another alert {n}", countries=COUNTRIES[:2])
    with revision(user=editor, comment="Grow"):
        for n in range(60):
            StageEvidence.objects.create(
                alert=alert, stage=Stage.objects.get(number=1 + n % 10), text=f"Evidence {n} [1]."
            )
        for n in range(40):
            Recommendation.objects.create(
                alert=alert, position=n + 2, addressee=f"Body {n}", action=f"Do {n} [2]."
            )
    edit_alert(alert, user=editor, summary="Grown summary [1][2][3][40][80].")
    for n in (2, 3):
        edit_alert(alert, user=editor, assessment=f"Assessment {n} [1].")
        publish(alert, editor=editor, change_kind="update", change_note=f"Update {n}.")


def test_query_counts_are_small_and_do_not_grow_with_content(client, editor):
    alert = make_alert(
        author=editor,
        title="The big alert",
        slug=SLUG,
        level=Level.WARNING,
        countries=COUNTRIES,
        ratings={name: [8, 9, 10] for name in COUNTRIES},
        sources=[make_source() for _ in range(80)],
    )
    publish(alert, editor=editor)
    before = {name: count_queries(client, url) for name, (url, _) in urls().items()}

    grow(editor, alert)

    for name, (url, bound) in urls().items():
        after = count_queries(client, url)
        assert after <= bound, f"{name} ({url}) made {after} queries; at most {bound} allowed"
        assert after == before[name], f"{name} went from {before[name]} to {after} queries"


@pytest.mark.parametrize("name", ["alert", "list", "country"])
def test_the_pages_the_issue_names_stay_within_their_bounds(
    client, editor, name, django_assert_max_num_queries
):
    publish_alert(editor, title="The big alert", slug=SLUG, countries=("Country A", "Country B"))
    url, _ = urls()[name]
    bound = {"alert": 2, "list": 5, "country": 5}[name]
    start_generation(client)
    with django_assert_max_num_queries(bound):
        assert client.get(url).status_code == 200
