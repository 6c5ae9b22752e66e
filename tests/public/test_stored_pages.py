"""An alert's current page is rendered when it is published and served as stored."""

import datetime

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alerts import pages, public_cache, public_data, workflow
from alerts.models import ChangeKind, Publication, PublicationPage
from tests.alerts.workflow_helpers import publish
from tests.builders import edit_alert, make_alert
from tests.public.conftest import publish_alert

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def empty_page_cache():
    cache.clear()
    public_cache.forget_recent_pages()


def stored(publication):
    return PublicationPage.objects.get(publication=publication)


def get_page(client, publication, **headers):
    response = client.get(reverse("public:alert_detail", args=[publication.slug]), **headers)
    assert response.status_code == 200
    return response


def statements(queries):
    """The statements each query ran, by their first word."""
    return [[part.split()[0] for part in q["sql"].split("; ")] for q in queries]


def uncached_page(client, publication, **headers):
    """The page as a request makes it when no page cache has it."""
    cache.clear()
    public_cache.forget_recent_pages()
    return get_page(client, publication, **headers)


def test_publishing_stores_the_page_and_a_request_renders_no_template(client, publication):
    page = stored(publication)
    assert page.renderer == pages.renderer()

    response = get_page(client, publication)

    assert response.templates == []  # the test client lists every template rendered
    assert response.content.decode() == page.html_for("http://testserver")
    assert "Emergency in the Caucasus" in page.html


def test_the_stored_page_is_the_page_its_templates_make_on_request(client, publication):
    from_publication = uncached_page(client, publication).content
    stored(publication).delete()

    made_on_request = uncached_page(client, publication)

    assert made_on_request.content == from_publication
    # The renderer's digest covers every template the page is made of.
    assert {t.name for t in made_on_request.templates} == set(pages.PAGE_TEMPLATES)
    assert stored(publication).renderer == pages.renderer()


def test_canonical_links_take_the_origin_of_the_request(client, publication, settings):
    settings.ALLOWED_HOSTS = ["alerts.example.org", "mirror.example.net"]
    path = reverse("public:alert_detail", args=[publication.slug])

    first = get_page(client, publication, HTTP_HOST="alerts.example.org", secure=True)
    second = get_page(client, publication, HTTP_HOST="mirror.example.net")

    assert f'<link rel="canonical" href="https://alerts.example.org{path}">' in first.text
    assert f'<link rel="canonical" href="http://mirror.example.net{path}">' in second.text
    assert "alerts.example.org" not in second.text  # nor served one from the other's cache
    assert "alerts.example.org" not in stored(publication).html


def test_a_page_made_by_other_templates_or_code_is_made_again_on_read(client, publication):
    page = stored(publication)
    page.renderer, page.html, page.origin_at = "0ld", "<p>Last year's page</p>", []
    page.save()

    html = get_page(client, publication).text

    assert "Last year's page" not in html
    assert "Emergency in the Caucasus" in html
    assert stored(publication).renderer == pages.renderer()


def test_a_version_going_live_after_a_later_one_joins_the_page(
    client, editor, publication, monkeypatch
):
    alert = publication.alert
    go_live = timezone.now() + datetime.timedelta(hours=3)
    edit_alert(alert, user=editor, summary="Scheduled summary [1].")
    publish(
        alert,
        editor=editor,
        change_kind=ChangeKind.UPDATE,
        change_note="Embargoed findings.",
        go_live_at=go_live,
    )
    edit_alert(alert, user=editor, summary="Urgent summary [1].")
    current = publish(
        alert, editor=editor, change_kind=ChangeKind.UPDATE, change_note="Urgent news."
    )
    before = get_page(client, current)
    assert "Urgent news." in before.text
    assert "Embargoed findings." not in before.text

    after = go_live + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: after)
    later = get_page(client, current, HTTP_IF_NONE_MATCH=before["ETag"])

    assert later.status_code == 200  # not 304: the page changed
    assert "Embargoed findings." in later.text
    assert "Urgent summary" in later.text  # still the current version's page
    assert later["Last-Modified"] != before["Last-Modified"]
    assert stored(current).modified_at == go_live


def test_render_publications_makes_missing_and_stale_current_pages(editor, publication):
    other = publish_alert(editor, title="Another alert", slug="another-alert")
    page = stored(publication)
    page.renderer, page.html = "0ld", "stale"
    page.save()
    stored(other).delete()

    call_command("render_publications", "--no-progress")

    for p in (publication, other):
        assert stored(p).renderer == pages.renderer()
        assert p.title in stored(p).html


def test_an_older_version_has_no_stored_page(editor, publication):
    edit_alert(publication.alert, user=editor, summary="Revised [1].")
    publish(publication.alert, editor=editor, change_kind=ChangeKind.UPDATE, change_note="New.")
    PublicationPage.objects.filter(publication=publication).delete()

    call_command("render_publications", "--no-progress")

    assert not PublicationPage.objects.filter(publication=publication).exists()


def test_the_page_lookup_answers_as_the_live_set_does(client, editor, publication, withdrawn):
    """publication_for_page is plain SQL for speed; it must agree with latest_live()."""
    make_alert(author=editor, title="Only a draft", slug="only-a-draft")
    workflow.submit(alert=make_alert(author=editor, slug="in-review"), user=editor)
    go_live = timezone.now() + datetime.timedelta(hours=3)
    embargoed = make_alert(author=editor, title="Embargoed", slug="embargoed")
    publish(embargoed, editor=editor, go_live_at=go_live)
    renamed = publish_alert(editor, title="Renamed", slug="old-name")
    edit_alert(renamed.alert, user=editor, slug="new-name")
    publish(renamed.alert, editor=editor, change_kind=ChangeKind.UPDATE, change_note="Renamed.")
    edit_alert(publication.alert, user=editor, summary="Scheduled [1].")
    publish(
        publication.alert,
        editor=editor,
        change_kind="update",
        change_note="Due.",
        go_live_at=go_live,
    )
    slugs = [
        publication.slug,
        withdrawn.slug,
        "only-a-draft",
        "in-review",
        "embargoed",
        "old-name",
        "new-name",
        "nothing-here",
    ]

    for now in (timezone.now(), go_live + datetime.timedelta(seconds=1)):
        for slug in slugs:
            found = public_data.publication_for_page(slug, now)
            live = Publication.objects.latest_live(now).filter(slug=slug).order_by("-go_live_at")
            expected = live.first()
            assert (found and found.pk) == (expected and expected.pk), (slug, now)
            if found is not None:
                listed = Publication.objects.live(now).filter(
                    alert_id=found.alert_id, number__lte=found.number
                )
                assert found.modified_at == max(listed.values_list("go_live_at", flat=True))
                assert found.stored_page.pk == found.pk
                assert found.stored_page.html == stored(expected).html
    assert public_data.publication_for_page(publication.slug).number == 1
    assert public_data.publication_for_page(publication.slug, go_live + HOUR).number == 2


def test_publishing_does_not_fail_when_the_page_cannot_be_made(client, editor, monkeypatch, caplog):
    def no_manifest(*args, **kwargs):
        raise ValueError("Missing staticfiles manifest entry for 'css/site.css'")

    with monkeypatch.context() as patched:
        patched.setattr(pages, "render_to_string", no_manifest)
        publication = publish_alert(editor, title="Published all the same", slug="all-the-same")

    assert not PublicationPage.objects.filter(publication=publication).exists()
    assert "Could not store the page" in caplog.text
    assert "Published all the same" in get_page(client, publication).text  # made on read
    assert stored(publication).renderer == pages.renderer()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are used on PostgreSQL only"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # to close the connection
def test_the_page_lookup_is_planned_once_per_connection(publication):
    public_data.publication_for_page(publication.slug)  # prepared by now, whoever was first

    with CaptureQueriesContext(connection) as queries:
        found = public_data.publication_for_page(publication.slug)
    assert found.pk == publication.pk
    assert statements(queries) == [["EXECUTE"]]

    connection.close()  # as after a database restart: a new session has no statements
    with CaptureQueriesContext(connection) as queries:
        assert public_data.publication_for_page(publication.slug).pk == publication.pk
    assert statements(queries) == [["PREPARE", "EXECUTE"]]  # one round trip


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are used on PostgreSQL only"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # autocommit, as requests
def test_a_session_that_lost_the_statement_still_finds_the_page(client, publication):
    public_data.publication_for_page(publication.slug)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # as a pooler's DISCARD ALL would

    with CaptureQueriesContext(connection) as queries:
        assert public_data.publication_for_page(publication.slug).pk == publication.pk
    assert statements(queries) == [["EXECUTE"], ["SELECT"]]  # ran unprepared
    with CaptureQueriesContext(connection) as queries:
        assert public_data.publication_for_page(publication.slug).pk == publication.pk
    assert statements(queries) == [["PREPARE", "EXECUTE"]]  # prepared again

    # A session that has the statement already, unknown to this process.
    public_data._prepared[public_data.PAGE_LOOKUP.name].discard(connection.connection)
    with CaptureQueriesContext(connection) as queries:
        assert public_data.publication_for_page(publication.slug).pk == publication.pk
    assert statements(queries) == [["PREPARE", "EXECUTE"], ["EXECUTE"]]
    assert "Emergency in the Caucasus" in get_page(client, publication).text


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are used on PostgreSQL only"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # autocommit, as requests
def test_the_lookup_runs_unprepared_in_a_transaction_or_with_server_side_binding(
    publication, monkeypatch
):
    connection.ensure_connection()
    public_data._prepared.pop(public_data.PAGE_LOOKUP.name, None)
    with connection.cursor() as cursor:
        # The session holds the statement unknown to this process (a first use that
        # failed after its PREPARE): in a transaction, a PREPARE would fail and abort it.
        cursor.execute(public_data.PAGE_LOOKUP.prepare)

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert public_data.publication_for_page(publication.slug).pk == publication.pk
        assert Publication.objects.filter(pk=publication.pk).exists()  # still usable
    assert statements(queries)[0] == ["SELECT"]

    with CaptureQueriesContext(connection) as queries:
        assert public_data.publication_for_page(publication.slug).pk == publication.pk
    assert statements(queries) == [["PREPARE", "EXECUTE"], ["EXECUTE"]]  # found it there

    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "server_side_binding", True)
    with CaptureQueriesContext(connection) as queries:
        assert public_data.publication_for_page(publication.slug).pk == publication.pk
    assert statements(queries) == [["SELECT"]]
