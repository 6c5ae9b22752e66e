"""An alert's content is rendered once, when it is published, and pasted into its pages."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from alerts import rendering
from alerts.models import PublicationRendering
from alerts.rendering import render_content
from tests.public.conftest import publish_alert

pytestmark = pytest.mark.django_db


def stored(publication):
    return PublicationRendering.objects.get(publication=publication)


def page(client, publication):
    # A version's page renders around the stored content on every request; the current
    # page is stored whole (tests/public/test_stored_pages.py).
    url = reverse("public:alert_version", args=[publication.slug, publication.number])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def replace_stored_html(publication, html, renderer=None):
    row = stored(publication)
    row.html = html
    row.renderer = renderer or row.renderer
    row.save()


def test_publishing_stores_the_rendered_content(publication):
    row = stored(publication)
    assert row.renderer == rendering.renderer()
    assert row.html == render_content(publication.snapshot, link_countries=True)
    assert "References" in row.html


def test_the_page_pastes_the_stored_content_without_rendering_it_again(client, publication):
    replace_stored_html(publication, '<p id="from-the-store">Stored content</p>')
    assert '<p id="from-the-store">Stored content</p>' in page(client, publication)


def test_content_from_other_templates_or_code_is_rendered_again_on_read(client, publication):
    replace_stored_html(publication, "<p>Made by last year's templates</p>", renderer="0ld")

    html = page(client, publication)

    assert "last year's templates" not in html
    assert "References" in html
    assert stored(publication).renderer == rendering.renderer()


def test_missing_content_is_rendered_on_read_and_kept(client, publication):
    stored(publication).delete()
    assert "References" in page(client, publication)
    assert stored(publication).html == render_content(publication.snapshot, link_countries=True)


def test_the_public_rendering_links_rated_countries_and_the_preview_does_not(publication):
    country = publication.snapshot["ratings"][0]["country"]
    link = reverse("public:country_detail", args=[country])
    assert link in render_content(publication.snapshot, link_countries=True)
    assert link not in render_content(publication.snapshot, link_countries=False)


def test_render_publications_renders_what_is_missing_or_stale(editor, publication):
    other = publish_alert(editor, title="Another alert", slug="another-alert")
    replace_stored_html(publication, "stale", renderer="0ld")
    stored(other).delete()

    call_command("render_publications", "--no-progress")

    for p in (publication, other):
        assert stored(p).renderer == rendering.renderer()
        assert stored(p).html == render_content(p.snapshot, link_countries=True)


def test_render_publications_splits_work_into_parts(editor, publication):
    other = publish_alert(editor, title="Another alert", slug="another-alert")
    PublicationRendering.objects.filter(publication__in=[publication, other]).delete()

    def rendered():
        return set(
            PublicationRendering.objects.filter(publication__in=[publication, other]).values_list(
                "publication_id", flat=True
            )
        )

    odd = {p.pk for p in (publication, other) if p.pk % 2 == 1}
    call_command("render_publications", "--part", "2/2", "--no-progress")
    assert rendered() == odd  # part K of N takes the ids with remainder K-1
    call_command("render_publications", "--part", "1/2", "--no-progress")
    assert rendered() == {publication.pk, other.pk}


@pytest.mark.parametrize("part", ["0/2", "3/2", "half", "1/0"])
def test_render_publications_refuses_a_bad_part(part):
    with pytest.raises(CommandError, match="--part"):
        call_command("render_publications", "--part", part, "--no-progress")
