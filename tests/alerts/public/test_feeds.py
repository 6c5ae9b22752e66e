"""Atom feeds parse cleanly and carry every publication, its change note, and withdrawals."""

import feedparser
import pytest
from django.urls import reverse

from tests.alerts.public.conftest import publish_alert
from tests.alerts.public.helpers import fetch
from tests.builders import make_alert

pytestmark = pytest.mark.django_db


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_alerts_feed_has_an_entry_per_publication_with_change_notes(client, updated, withdrawn):
    feed = parse(client, reverse("public:feed_alerts"))

    titles = [e.title for e in feed.entries]
    assert titles[:2] == ["Alert withdrawn", "Updated: Emergency in the Caucasus"]
    assert "Emergency in the Caucasus" in titles  # the first publication stays in the feed
    update = feed.entries[1]
    assert "New reports of forced displacement." in update.summary
    assert update.link.endswith(reverse("public:alert_version", args=[updated.slug, 2]))
    assert {t.term for t in update.tags} >= {"Genocide Warning", "Armenia", "Azerbaijan"}
    ids = [e.id for e in feed.entries]
    assert len(ids) == len(set(ids))
    # Atom ids are absolute IRIs (RFC 4287); feedparser would take relative ones.
    assert all(i.startswith("http://testserver/alerts/") for i in ids), ids


def test_a_withdrawn_alert_is_marked_withdrawn_and_its_publications_leave(client, withdrawn):
    feed = parse(client, reverse("public:feed_alerts"))
    [entry] = feed.entries
    assert entry.title == "Alert withdrawn"
    assert "Its main source was discredited." in entry.summary
    assert entry.link.endswith(reverse("public:alert_detail", args=[withdrawn.slug]))
    assert [t.term for t in entry.tags] == ["Withdrawn"]
    assert "An alert later withdrawn" not in str(feed)


def test_country_feed_has_only_alerts_that_rate_the_country(client, publication, editor):
    publish_alert(editor, title="About Ruritania only", countries=("Ruritania",))
    feed = parse(client, reverse("public:feed_country", args=["ruritania"]))
    assert [e.title for e in feed.entries] == ["About Ruritania only"]
    assert feed.feed.title == "Genocide alerts: Ruritania"
    feed = parse(client, reverse("public:feed_country", args=["armenia"]))
    assert [e.title for e in feed.entries] == ["Emergency in the Caucasus"]


def test_country_feed_marks_withdrawals_of_alerts_that_rated_it(client, publication, withdrawn):
    feed = parse(client, reverse("public:feed_country", args=["armenia"]))
    assert [e.title for e in feed.entries] == ["Alert withdrawn", "Emergency in the Caucasus"]


def test_a_country_whose_only_alert_was_withdrawn_keeps_its_feed_for_the_withdrawal(
    client, editor, withdrawn
):
    # The withdrawn alert was the only one to rate Azerbaijan... and Armenia.
    feed = parse(client, reverse("public:feed_country", args=["azerbaijan"]))
    assert [e.title for e in feed.entries] == ["Alert withdrawn"]
    assert "Its main source was discredited." in feed.entries[0].summary


def test_a_country_only_drafts_rate_has_no_feed(client, editor):
    make_alert(author=editor, title="Draft about Ruritania", countries=("Ruritania",))
    fetch(client, reverse("public:feed_country", args=["ruritania"]), status=404)


def test_unknown_country_feed_is_404(client, db):
    fetch(client, reverse("public:feed_country", args=["atlantis"]), status=404)


def test_pages_advertise_their_feeds(client, publication):
    html = fetch(client, reverse("public:home"))
    assert 'type="application/atom+xml"' in html
    html = fetch(client, reverse("public:country_detail", args=["armenia"]))
    assert reverse("public:feed_country", args=["armenia"]) in html
