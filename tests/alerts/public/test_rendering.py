"""An alert's content is rendered once, when it is published, and served as it was made."""

import pytest
from django.urls import reverse

from alerts import text
from alerts.models import Publication
from alerts.rendering import publication_fields, render_content
from tests.alerts.workflow_helpers import publish
from tests.builders import edit_alert

pytestmark = pytest.mark.django_db


def test_publishing_keeps_the_rendered_content_summary_and_countries(publication):
    assert publication.content_html == render_content(publication.snapshot, link_countries=True)
    assert "References" in publication.content_html
    assert publication.summary_html == text.render_markdown(publication.snapshot["summary"])
    assert publication.summary_text
    assert "<" not in publication.summary_text
    rated = {r["country"] for r in publication.snapshot["ratings"]}
    assert [c["slug"] for c in publication.countries] == [
        c["slug"] for c in publication.snapshot["countries"]
    ]
    assert {c["slug"] for c in publication.countries if c["rated"]} == rated


@pytest.mark.parametrize("name", ["public:alert_detail", "public:alert_version"])
def test_serving_an_alert_page_runs_no_markdown(client, publication, monkeypatch, name):
    def refuse(*args, **kwargs):
        raise AssertionError("Markdown ran while serving a page")

    monkeypatch.setattr(text, "render_markdown", refuse)
    monkeypatch.setattr("alerts.rendering.render_markdown", refuse)
    args = [publication.slug] + ([publication.number] if name.endswith("version") else [])

    response = client.get(reverse(name, args=args))

    assert response.status_code == 200
    assert publication.content_html in response.content.decode()


def test_older_versions_keep_the_content_they_were_published_with(client, publication, editor):
    alert = publication.alert
    edit_alert(alert, user=editor, summary="A rewritten summary for version two [1].")
    publish(alert, editor=editor, change_kind="update", change_note="Rewritten.")

    old = client.get(reverse("public:alert_version", args=[publication.slug, 1]))
    new = client.get(reverse("public:alert_detail", args=[publication.slug]))

    assert Publication.objects.get(pk=publication.pk).content_html in old.content.decode()
    assert "A rewritten summary for version two" in new.content.decode()
    assert "A rewritten summary for version two" not in old.content.decode()


def test_the_page_around_the_content_is_rendered_on_each_request(client, publication, settings):
    """A change to the site's templates shows without rendering publications again."""
    url = reverse("public:alert_detail", args=[publication.slug])
    assert "print-citation" in client.get(url).content.decode()
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [
        engine
        | {
            "APP_DIRS": False,
            "OPTIONS": engine["OPTIONS"]
            | {
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {"public/alert_detail.html": "<main>{{ content_html }}</main>"},
                    ),
                    "django.template.loaders.filesystem.Loader",
                    "django.template.loaders.app_directories.Loader",
                ]
            },
        }
    ]
    from django.core.cache import cache

    cache.clear()
    html = client.get(url).content.decode()
    assert "print-citation" not in html
    assert publication.content_html in html


def test_the_public_rendering_links_rated_countries_and_the_preview_does_not(publication):
    country = publication.snapshot["ratings"][0]["country"]
    link = reverse("public:country_detail", args=[country])
    assert link in publication_fields(publication.snapshot)["content_html"]
    assert link not in render_content(publication.snapshot, link_countries=False)


def test_render_publications_makes_the_rendered_columns_again_and_nothing_else(client, publication):
    """For a security fix in the sanitiser: the content is made again with today's
    code; what was approved stays as it was."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import models

    url = reverse("public:alert_detail", args=[publication.slug])
    models.QuerySet(Publication).filter(pk=publication.pk).update(
        content_html="<p>Made by last year's sanitiser</p>", summary_text="old"
    )
    assert "last year's sanitiser" in client.get(url).content.decode()

    call_command("render_publications", stdout=StringIO())

    again = Publication.objects.get(pk=publication.pk)
    made = publication_fields(publication.snapshot)
    assert again.content_html == made["content_html"]
    assert again.summary_text == made["summary_text"]
    assert (again.snapshot, again.snapshot_hash, again.title, again.go_live_at) == (
        publication.snapshot,
        publication.snapshot_hash,
        publication.title,
        publication.go_live_at,
    )
    assert "last year's sanitiser" not in client.get(url).content.decode()
