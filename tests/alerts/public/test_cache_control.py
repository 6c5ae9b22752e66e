"""How long browsers and the front cache may keep a public page: at most five minutes
(s-maxage), never past the next scheduled go-live, counting the time it was kept here."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.alerts.public.conftest import publish_alert
from tests.alerts.workflow_helpers import publish
from tests.builders import login_verified, make_alert

pytestmark = pytest.mark.django_db


def directives(response):
    found = {}
    for part in response["Cache-Control"].split(","):
        name, _, value = part.strip().partition("=")
        found[name] = int(value) if value.isdigit() else True
    return found


PUBLIC_URLS = [
    lambda pub: reverse("public:home"),
    lambda pub: reverse("public:alert_detail", args=[pub.slug]),
    lambda pub: reverse("public:alert_versions", args=[pub.slug]),
    lambda pub: reverse("public:alert_version", args=[pub.slug, 1]),
    lambda pub: reverse("public:alert_list") + "?q=caucasus",
    lambda pub: reverse("public:country_detail", args=["armenia"]),
    lambda pub: reverse("public:feed_country", args=["armenia"]),
    lambda pub: reverse("public:api_alert_detail", args=[pub.slug]),
    lambda pub: reverse("public:api_determinations_csv"),
    lambda pub: reverse("public:sitemap"),
]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_every_public_page_may_be_kept_by_the_front_cache_five_minutes_at_most(
    client, publication, url
):
    response = client.get(url(publication))
    assert response.status_code == 200
    cache_control = directives(response)
    assert cache_control["public"] is True
    assert cache_control["s-maxage"] == 300
    assert cache_control["max-age"] == 60
    assert "set-cookie" not in {k.lower() for k in response.headers}


def test_no_one_may_keep_a_page_past_the_next_scheduled_go_live(client, publication, editor):
    go_live = timezone.now() + datetime.timedelta(seconds=90)
    publish(make_alert(author=editor, title="Embargoed"), editor=editor, go_live_at=go_live)

    response = client.get(reverse("public:home"))
    cache_control = directives(response)
    assert cache_control["s-maxage"] <= (go_live - timezone.now()).total_seconds()
    assert 80 <= cache_control["s-maxage"] <= 90
    assert cache_control["max-age"] == 60

    go_live_soon = timezone.now() + datetime.timedelta(seconds=20)
    publish(make_alert(author=editor, title="Sooner"), editor=editor, go_live_at=go_live_soon)
    cache_control = directives(client.get(reverse("public:home")))
    assert cache_control["s-maxage"] <= 20
    assert cache_control["max-age"] <= 20


def test_a_page_kept_by_the_page_cache_says_how_long_it_has_been_kept(
    client, publication, settings, monkeypatch
):
    """So that the front cache keeps it for s-maxage less that time (RFC 9111 Age), and
    a page is never stale for longer than s-maxage in all."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    url = reverse("public:home")
    made = client.get(url)
    assert not made.has_header("Age")

    seven_seconds_on = timezone.now() + datetime.timedelta(seconds=7)
    monkeypatch.setattr(timezone, "now", lambda: seven_seconds_on)
    kept = client.get(url)
    assert kept.content == made.content
    assert kept["Age"] == "7"
    assert directives(kept)["s-maxage"] == 300


def test_pages_that_are_not_the_same_for_everyone_are_never_marked_public(client, editor):
    publish_alert(editor, title="Visible")
    login_verified(client, editor)
    for url in [reverse("admin:index"), reverse("admin:alerts_alert_changelist")]:
        response = client.get(url)
        assert "public" not in response.get("Cache-Control", ""), url
        assert "s-maxage" not in response.get("Cache-Control", ""), url


def test_a_page_that_is_not_live_is_not_marked_for_keeping(client, editor):
    alert = make_alert(author=editor, title="Only a draft")
    response = client.get(reverse("public:alert_detail", args=[alert.slug]))
    assert response.status_code == 404
    assert "s-maxage" not in response.get("Cache-Control", "")
    assert re.search("public", response.get("Cache-Control", "")) is None


@pytest.mark.parametrize("path", ["/public-but-private/", "/public-but-sets-a-cookie/"])
def test_a_public_route_that_answers_for_one_reader_is_never_marked_shareable(
    client, settings, path
):
    settings.ROOT_URLCONF = "tests.alerts.public.cookie_urls"
    response = client.get(path)
    assert response.status_code == 200
    cache_control = response.get("Cache-Control", "")
    assert "public" not in cache_control
    assert "s-maxage" not in cache_control
