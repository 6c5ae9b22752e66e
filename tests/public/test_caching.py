"""Public pages are cached, yet a new publication or a withdrawal shows on the next request."""

import datetime
import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from alerts import public_cache, workflow
from alerts.models import ChangeKind
from alerts.public_cache import current_generation, generation
from stages.models import Country, Stage
from tests.alerts.workflow_helpers import publish
from tests.builders import edit_alert, make_alert, make_reviewer
from tests.public.conftest import publish_alert

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["database", "counter"])
def generation_source(request, monkeypatch):
    """Run every test with both ways of knowing the generation (public_cache.py).

    "counter" is what a shared cache (Redis) uses, "database" what a process-local
    one uses; either can be forced whatever cache the run is configured with.
    """
    monkeypatch.setattr(public_cache, "signalled", lambda: request.param == "counter")
    return request.param


def text(response):
    return b"".join(response) if response.streaming else response.content


def get_twice(client, url):
    """Fetch a page cold, then again (from the cache); both must agree."""
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert text(first) == text(second)
    return text(second).decode()


def alert_url(publication):
    return reverse("public:alert_detail", args=[publication.slug])


PAGES = {
    "alert page": lambda pub: alert_url(pub),
    "alert list": lambda pub: reverse("public:alert_list"),
    "country page": lambda pub: reverse("public:country_detail", args=["armenia"]),
    "alerts feed": lambda pub: reverse("public:feed_alerts"),
    "home": lambda pub: reverse("public:home"),
}

# Cached too; they show a new alert (not a retitled one) when one is published.
NEW_ALERT_SHOWS = {
    "stages": (lambda: reverse("public:stage_list"), "Georgia"),
    "country feed": (
        lambda: reverse("public:feed_country", args=["armenia"]),
        "Freshly published",
    ),
    "api list": (lambda: reverse("public:api_alert_list"), "freshly-published"),
    "sitemap": (lambda: reverse("public:sitemap_section", args=["alerts"]), "freshly-published"),
    "sitemap index": (lambda: reverse("public:sitemap"), None),  # its lastmod moves
}


@pytest.mark.parametrize("page", PAGES)
def test_a_new_publication_shows_on_the_next_request(client, publication, editor, page):
    url = PAGES[page](publication)
    assert "Corrected wording for the record" not in get_twice(client, url)

    alert = publication.alert
    edit_alert(alert, user=editor, title="Corrected wording for the record")
    publish(alert, editor=editor, change_kind=ChangeKind.CORRECTION, change_note="Title fixed.")

    assert "Corrected wording for the record" in client.get(url).content.decode()


@pytest.mark.parametrize("page", NEW_ALERT_SHOWS)
def test_a_new_alert_shows_on_the_next_request(client, publication, editor, page):
    url, marker = NEW_ALERT_SHOWS[page]
    get_twice(client, url())
    before = client.get(url()).content.decode()
    publish_alert(
        editor,
        title="Freshly published",
        slug="freshly-published",
        countries=("Armenia", "Georgia"),
        ratings={"Armenia": [8], "Georgia": [5]},
    )
    after = client.get(url()).content.decode()
    if marker is None:
        assert after != before
    else:
        assert marker not in before
        assert marker in after


def test_a_renamed_country_shows_on_the_next_request(client, publication):
    urls = [
        reverse("public:country_list"),
        reverse("public:country_detail", args=["armenia"]),
        reverse("public:stage_list"),
    ]
    etags = {url: client.get(url)["ETag"] for url in urls}
    for url in urls:
        assert "Republic of Armenia" not in get_twice(client, url)

    armenia = Country.objects.get(slug="armenia")
    armenia.name = "Republic of Armenia"
    armenia.save()

    for url in urls:
        response = client.get(url, HTTP_IF_NONE_MATCH=etags[url])
        assert response.status_code == 200, url
        assert "Republic of Armenia" in response.content.decode(), url


def test_an_edited_stage_shows_on_the_next_request(client, publication):
    url = reverse("public:stage_list")
    assert "A definition edited today." not in get_twice(client, url)

    stage = Stage.objects.get(number=8)
    stage.definition = "A definition edited today."
    stage.save()

    assert "A definition edited today." in client.get(url).content.decode()


@pytest.fixture
def new_site_version(monkeypatch):
    """The site as after a deploy that changed a template or a module."""

    def deploy():
        monkeypatch.setattr(public_cache, "site_version", lambda: "after-the-deploy")
        public_cache._headers_version.cache_clear()

    yield deploy
    monkeypatch.undo()
    public_cache._headers_version.cache_clear()


def test_after_a_deploy_no_page_is_confirmed_or_replayed_from_before(
    client, publication, new_site_version
):
    urls = [alert_url(publication), reverse("public:country_list"), reverse("public:home")]
    before = {url: client.get(url) for url in urls}

    new_site_version()

    for url in urls:
        response = client.get(url, HTTP_IF_NONE_MATCH=before[url]["ETag"])
        assert response.status_code == 200, url
        assert response["ETag"] != before[url]["ETag"], url


@pytest.mark.parametrize(
    "changed",
    [
        "templates/public/country_list.html",
        "templates/base.html",
        "alerts/feeds.py",
        "alerts/api.py",
    ],
)
def test_the_site_version_moves_with_any_template_or_module(monkeypatch, changed):
    before = public_cache.site_version.__wrapped__()
    target = settings.BASE_DIR / changed
    read = public_cache._read
    monkeypatch.setattr(
        public_cache, "_read", lambda path: read(path) + (b"\n" if path == target else b"")
    )
    assert public_cache.site_version.__wrapped__() != before


def test_the_site_version_moves_with_the_stored_pages_renderer(monkeypatch):
    """What no project file holds: the Markdown libraries' versions, the static manifest."""
    before = public_cache.site_version.__wrapped__()
    monkeypatch.setattr(public_cache.pages, "renderer", lambda: "nh3 upgraded")
    assert public_cache.site_version.__wrapped__() != before


def test_cached_pages_keep_their_cross_origin_header(client, publication):
    for url in (reverse("public:feed_alerts"), reverse("public:api_alert_list")):
        first = client.get(url)
        again = client.get(url)
        assert first["Access-Control-Allow-Origin"] == "*"
        assert again["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("page", ["alert list", "country page", "home"])
def test_a_withdrawal_shows_on_the_next_request(client, publication, page):
    url = PAGES[page](publication)
    assert publication.title in get_twice(client, url)

    workflow.withdraw(alert=publication.alert, user=make_reviewer(), reason="Retracted.")

    assert publication.title not in client.get(url).content.decode()


def test_a_withdrawn_alert_page_answers_410_at_once(client, publication):
    get_twice(client, alert_url(publication))
    workflow.withdraw(alert=publication.alert, user=make_reviewer(), reason="Retracted.")
    assert client.get(alert_url(publication)).status_code == 410


def test_a_scheduled_publication_appears_when_its_time_comes_without_a_purge(
    client, editor, publication, monkeypatch
):
    go_live = timezone.now() + datetime.timedelta(hours=3)
    publish(
        make_alert(author=editor, title="Embargoed until morning"),
        editor=editor,
        go_live_at=go_live,
    )
    url = reverse("public:alert_list")
    assert "Embargoed until morning" not in get_twice(client, url)

    after = go_live + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: after)

    assert "Embargoed until morning" in client.get(url).content.decode()


def test_a_repeat_visit_costs_one_query_or_none_with_a_shared_cache(
    client, publication, django_assert_num_queries, generation_source
):
    for url in (alert_url(publication), reverse("public:alert_list")):
        client.get(url)
        with django_assert_num_queries(1 if generation_source == "database" else 0):
            assert client.get(url).status_code == 200


def test_alert_page_answers_304_when_unchanged(client, publication, editor):
    first = client.get(alert_url(publication))
    assert first.has_header("ETag")
    assert first.has_header("Last-Modified")

    again = client.get(alert_url(publication), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    since = client.get(alert_url(publication), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304

    alert = publication.alert
    edit_alert(alert, user=editor, summary="Changed [1].")
    publish(alert, editor=editor, change_kind=ChangeKind.UPDATE, change_note="Changed.")
    changed = client.get(alert_url(publication), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_generation_moves_with_withdrawal_but_not_with_time_alone(editor, publication):
    before = current_generation()
    later = timezone.now() + datetime.timedelta(hours=1)
    assert current_generation(later) == before  # no go-live passed in between
    workflow.withdraw(alert=publication.alert, user=make_reviewer(), reason="x")
    assert current_generation() != before


def test_database_generation_moves_with_publication_withdrawal(editor, publication):
    before = generation()
    workflow.withdraw(alert=publication.alert, user=make_reviewer(), reason="x")
    assert generation() != before


def test_staff_pages_are_never_cached(client, alert, editor):
    client.force_login(editor)
    response = client.get(reverse("staff:alert_preview", args=[alert.pk]))
    assert "no-store" in response["Cache-Control"]
    assert cache.get(f"public::{reverse('staff:alert_preview', args=[alert.pk])}") is None


def test_the_configured_cache_backend_is_the_one_in_use(settings):
    """REDIS_URL switches the cache to Redis; CI runs this file once with it set."""
    expected = (
        "config.redis_cache.ReusingRedisCache"
        if os.environ.get("REDIS_URL")
        else "django.core.cache.backends.locmem.LocMemCache"
    )
    assert settings.CACHES["default"]["BACKEND"] == expected
    cache.set("probe", "a page", 30)
    assert cache.get("probe") == "a page"
