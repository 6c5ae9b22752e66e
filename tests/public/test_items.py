"""A publication's entry in lists and feeds is rendered once, when it is published."""

import feedparser
import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse

from alerts import items, public_data
from alerts.models import PublicationItem, PublicationPage, PublicationRendering
from tests.public.conftest import publish_alert

pytestmark = pytest.mark.django_db

LIST_PAGES = ["public:home", "public:alert_list"]


def stored(publication):
    return PublicationItem.objects.get(publication=publication)


def as_rendered_per_request(publication):
    """The entry as lists rendered it on every request before items were stored."""
    [row] = public_data.list_rows([publication.pk])
    return render_to_string(items.ITEM_TEMPLATE, {"item": row})


def replace_stored(publication, *, html, entry_html="<p>stored entry</p>", renderer=None):
    row = stored(publication)
    row.html, row.entry_html = html, entry_html
    row.renderer = renderer or row.renderer
    row.save()


def page(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def feed_entries(client):
    return feedparser.parse(client.get(reverse("public:feed_alerts")).content).entries


def test_publishing_stores_the_entry_lists_rendered_per_request(updated):
    first = updated.alert.publications.get(number=1)
    for publication in (first, updated):
        row = stored(publication)
        assert row.renderer == items.renderer()
        assert row.html == as_rendered_per_request(publication)
        assert [c["name"] for c in publication.snapshot["countries"]] == row.countries
    assert (
        "<strong>Update:</strong> New reports of forced displacement." in stored(updated).entry_html
    )
    assert "<p>A revised summary that cites the convention [1].</p>" in stored(updated).entry_html


@pytest.mark.parametrize("name", LIST_PAGES)
def test_lists_paste_the_stored_entry_without_rendering_it(client, publication, name):
    replace_stored(publication, html='<li id="from-the-store">Stored entry</li>')
    assert '<li id="from-the-store">Stored entry</li>' in page(client, name)


def test_search_results_paste_the_stored_entry(client, publication):
    replace_stored(publication, html='<li id="from-the-store">Stored entry</li>')
    response = client.get(reverse("public:alert_list"), {"q": "Caucasus"})
    assert '<li id="from-the-store">Stored entry</li>' in response.content.decode()


def test_the_feed_uses_the_stored_entry_and_countries(client, publication):
    replace_stored(publication, html="<li></li>", entry_html="<p>From the store</p>")
    [entry] = feed_entries(client)
    assert entry.summary == "<p>From the store</p>"
    assert {t.term for t in entry.tags} >= {"Armenia", "Azerbaijan"}


@pytest.mark.parametrize("name", LIST_PAGES)
def test_an_entry_from_other_templates_or_code_is_rendered_again_on_read(client, publication, name):
    replace_stored(publication, html="<li>Made by last year's template</li>", renderer="0ld")

    html = page(client, name)

    assert "last year's template" not in html
    assert as_rendered_per_request(publication) in html
    assert stored(publication).renderer == items.renderer()


def test_missing_entries_are_rendered_on_read_and_kept(client, editor, publication):
    other = publish_alert(editor, title="Another alert", slug="another-alert")
    PublicationItem.objects.filter(publication=publication).delete()

    html = page(client, "public:alert_list")

    # Both, in the list's order (newest first), the kept one and the one made now.
    assert html.index(as_rendered_per_request(other)) < html.index(
        as_rendered_per_request(publication)
    )
    assert stored(publication).html == as_rendered_per_request(publication)


def test_a_missing_entry_is_rendered_for_the_feed_too(client, updated):
    PublicationItem.objects.all().delete()
    entry = feed_entries(client)[0]
    assert entry.title == "Updated: Emergency in the Caucasus"
    assert "New reports of forced displacement." in entry.summary
    assert PublicationItem.objects.count() == 2


def test_render_publications_can_render_only_the_entries(editor, publication):
    other = publish_alert(editor, title="Another alert", slug="another-alert")
    replace_stored(publication, html="stale", renderer="0ld")
    PublicationItem.objects.filter(publication=other).delete()
    PublicationRendering.objects.filter(publication=other).delete()
    PublicationPage.objects.filter(publication=other).delete()

    call_command("render_publications", "--only", "items", "--no-progress")

    for p in (publication, other):
        assert stored(p).renderer == items.renderer()
        assert stored(p).html == as_rendered_per_request(p)
    assert not PublicationRendering.objects.filter(publication=other).exists()
    assert not PublicationPage.objects.filter(publication=other).exists()


def test_render_publications_renders_entries_with_the_rest(editor, publication):
    PublicationItem.objects.all().delete()
    call_command("render_publications", "--no-progress")
    assert stored(publication).html == as_rendered_per_request(publication)


def test_editors_markup_is_escaped_or_sanitised_in_the_stored_entries(editor):
    publication = publish_alert(
        editor,
        title="<script>alert('title')</script> Crisis",
        slug="hostile-entry",
        summary="A summary <script>alert('summary')</script> [1] <img src=x onerror=alert(2)>",
    )
    row = stored(publication)

    for html in (row.html, row.entry_html):
        assert "<script" not in html
        assert "<img" not in html  # the list shows it as text; the feed drops it
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt; Crisis" in row.html


def test_the_entries_renderer_follows_the_item_template(monkeypatch):
    before = items.renderer()
    items.renderer.cache_clear()
    monkeypatch.setattr(items, "ITEM_TEMPLATE", "public/_alert_head.html")
    try:
        assert items.renderer() != before
    finally:
        items.renderer.cache_clear()
