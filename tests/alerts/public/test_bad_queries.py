"""Whatever a reader puts in a query string, a public page answers it without a server error.

PostgreSQL refuses what SQLite takes (a NUL in text, an integer past 64 bits), so
these run on both databases in CI.
"""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

NASTY = ["\x00", "a\x00b", "9" * 40, "-1", "2024-02-30", "%", "'", "\\", "é" * 300, " "]


def public_urls(slug):
    return {
        "list": (
            reverse("public:alert_list"),
            ["q", "country", "stage", "level", "page", "issued_after", "issued_before"],
        ),
        "home": (reverse("public:home"), ["page"]),
        "versions": (reverse("public:alert_versions", args=[slug]), ["from", "to"]),
        "country": (reverse("public:country_detail", args=["armenia"]), ["page", "sort"]),
        "api list": (reverse("public:api_alert_list"), ["page"]),
        "csv": (reverse("public:api_determinations_csv"), ["country"]),
        "feed": (reverse("public:feed_alerts"), ["page"]),
    }


@pytest.mark.parametrize("value", NASTY, ids=repr)
def test_no_query_value_makes_a_public_page_fail(client, publication, value):
    for name, (url, params) in public_urls(publication.slug).items():
        for param in params:
            response = client.get(url, {param: value})
            assert response.status_code in (200, 400, 404), (name, param, response.status_code)
            if response.streaming:
                b"".join(response.streaming_content)  # a streamed body must not fail midway


def test_bytes_that_are_not_utf8_do_not_make_a_page_fail(client, publication):
    for url, params in public_urls(publication.slug).values():
        for param in params:
            response = client.generic("GET", url, QUERY_STRING=f"{param}=%ff%fe")
            assert response.status_code in (200, 400, 404), (url, param)
