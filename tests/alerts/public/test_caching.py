"""Public pages are cached, yet any public change shows on the next request.

Run on the local-memory cache (the default) and, in CI's Redis pass, with REDIS_URL
set, where the page cache is Django's own Redis backend shared by every server.
"""

import datetime
import os
import time

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from alerts import workflow
from alerts.models import ChangeKind
from alerts.public import page_cache
from stages.models import Country
from tests.alerts.public.conftest import publish_alert
from tests.alerts.workflow_helpers import publish
from tests.builders import edit_alert, login_verified, make_alert, make_reviewer, make_user

pytestmark = pytest.mark.django_db


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


def test_a_country_renamed_in_the_admin_shows_with_the_next_publication_including_it(
    client, publication, editor
):
    urls = [
        reverse("public:country_list"),
        reverse("public:country_detail", args=["armenia"]),
        reverse("public:stage_list"),
    ]
    etags = {url: client.get(url)["ETag"] for url in urls}
    for url in urls:
        assert "Republic of Armenia" not in get_twice(client, url)

    armenia = Country.objects.get(slug="armenia")
    admin = make_user("country_admin", superuser=True)
    staff = client.__class__()
    login_verified(staff, admin)
    change = reverse("admin:stages_country_change", args=[armenia.pk])
    form = staff.get(change).context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    response = staff.post(change, data | {"name": "Republic of Armenia"})
    assert response.status_code == 302, response.content.decode()[:2000]
    for url in urls:
        assert "Republic of Armenia" not in get_twice(client, url), url

    edit_alert(publication.alert, user=editor, title="Updated, with Armenia's new name")
    publish(
        publication.alert,
        editor=editor,
        change_kind=ChangeKind.UPDATE,
        change_note="Armenia's name as it is now.",
    )
    for url in urls:
        response = client.get(url, HTTP_IF_NONE_MATCH=etags[url])
        assert response.status_code == 200, url
        assert "Republic of Armenia" in response.content.decode(), url


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


def test_a_repeat_visit_is_answered_from_the_cache_without_a_query(
    client, publication, django_assert_num_queries
):
    for url in (alert_url(publication), reverse("public:alert_list")):
        client.get(url)
        with django_assert_num_queries(0):
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


def test_the_workflow_ends_the_generation_in_its_transaction_and_again_at_commit(
    client, publication, editor, django_capture_on_commit_callbacks
):
    """So that a page made by a request that read the rows before the commit, but
    kept after the first end, is not served after the commit either."""
    url = reverse("public:home")
    alert = make_alert(author=editor, title="Committed at last")
    submission = workflow.submit(alert=alert, user=editor)
    with django_capture_on_commit_callbacks() as callbacks:
        workflow.approve(submission=submission, user=make_reviewer())
        assert cache.get(page_cache.GENERATION_KEY) is None
        client.get(url)  # a reader in between starts a generation
        in_between = cache.get(page_cache.GENERATION_KEY)
        assert in_between is not None
    assert callbacks, "the approval must act again once it commits"
    for callback in callbacks:
        callback()
    after = cache.get(page_cache.GENERATION_KEY)
    assert after is not None
    assert after["id"] != in_between["id"]
    assert "Committed at last" in client.get(url).content.decode()


def test_a_generation_started_at_commit_ends_at_a_go_live_scheduled_by_that_commit(
    client, publication, editor, django_capture_on_commit_callbacks
):
    go_live = timezone.now() + datetime.timedelta(hours=2)
    alert = make_alert(author=editor, title="Scheduled for later")
    submission = workflow.submit(alert=alert, user=editor, go_live_at=go_live)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(submission=submission, user=make_reviewer())
    assert cache.get(page_cache.GENERATION_KEY)["until"] == go_live


def test_a_cache_outage_serves_pages_uncached_and_lets_the_workflow_publish(
    client, publication, editor, settings
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    assert publication.title in client.get(reverse("public:home")).content.decode()

    alert = publication.alert
    edit_alert(alert, user=editor, title="Published during the outage")
    publish(alert, editor=editor, change_kind=ChangeKind.UPDATE, change_note="Retitled.")

    assert "Published during the outage" in client.get(alert_url(publication)).content.decode()


def test_after_a_lost_end_of_generation_no_page_outlives_the_entries_lifetime(
    client, publication, editor, settings, monkeypatch
):
    """A cache that stalls while a reviewer approves: the page kept before may be
    served until its entry expires, never longer."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 1  # the same rule as 60 s, in a test's time
    url = alert_url(publication)
    assert publication.title in client.get(url).content.decode()
    monkeypatch.setattr(page_cache, "changed", lambda: None)  # the stall
    alert = publication.alert
    edit_alert(alert, user=editor, title="Approved while the cache stalled")
    publish(alert, editor=editor, change_kind=ChangeKind.UPDATE, change_note="Retitled.")
    monkeypatch.undo()
    assert "Approved while the cache stalled" not in client.get(url).content.decode()

    time.sleep(1.2)

    assert "Approved while the cache stalled" in client.get(url).content.decode()


def test_entries_live_a_minute_at_most_and_a_second_when_each_process_has_its_own(settings):
    lifetime = settings.PUBLIC_PAGE_CACHE_SECONDS
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        assert lifetime <= 1
    assert 0 < lifetime <= 60


def test_staff_pages_are_never_cached(client, alert, editor):
    login_verified(client, editor)
    response = client.get(reverse("staff:alert_preview", args=[alert.pk]))
    assert "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_the_configured_cache_backend_is_the_one_in_use(settings):
    """REDIS_URL switches the cache to Redis; CI runs this file once with it set."""
    expected = (
        "django.core.cache.backends.redis.RedisCache"
        if os.environ.get("REDIS_URL")
        else "django.core.cache.backends.locmem.LocMemCache"
    )
    assert settings.CACHES["default"]["BACKEND"] == expected
    cache.set("probe", "a page", 30)
    assert cache.get("probe") == "a page"


# serialized_rollback: the roles come back from the test database's serialized copy,
# and the flush after the test leaves no rows for the next such test to trip over.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_publication_committed_elsewhere_shows_on_another_servers_next_request(live_server):
    """Another app server (the live server's thread, sharing the configured cache)
    shows a publication on its first request after the commit."""
    from urllib.request import urlopen

    from tests.builders import make_editor

    editor = make_editor("elsewhere_editor")
    first = publish_alert(editor, title="Before the commit", slug="before-the-commit")

    def home():
        with urlopen(live_server.url + reverse("public:home"), timeout=10) as response:
            return response.read().decode()

    assert "Before the commit" in home()
    assert "Before the commit" in home()  # served from the cache now
    alert = first.alert
    edit_alert(alert, user=editor, title="After the commit")
    publish(alert, editor=editor, change_kind=ChangeKind.UPDATE, change_note="Retitled.")

    assert "After the commit" in home()


def test_pages_are_kept_per_host_so_canonical_links_follow_the_request(
    client, publication, settings
):
    settings.ALLOWED_HOSTS = ["alerts.example.org", "mirror.example.org"]
    url = alert_url(publication)
    first = client.get(url, HTTP_HOST="alerts.example.org").content.decode()
    client.get(url, HTTP_HOST="alerts.example.org")  # now kept
    other = client.get(url, HTTP_HOST="mirror.example.org").content.decode()

    assert f'rel="canonical" href="http://alerts.example.org{url}"' in first
    assert f'rel="canonical" href="http://mirror.example.org{url}"' in other


def test_an_earlier_version_going_live_late_joins_the_list_and_moves_last_modified(
    client, publication, editor, monkeypatch
):
    """Version 2 is scheduled for next week; version 3 goes live today. When version
    2's time comes, the current page (version 3) lists it, without any purge."""
    now = timezone.now()
    alert = publication.alert
    edit_alert(alert, user=editor, summary="Scheduled wording [1].")
    second = publish(
        alert,
        editor=editor,
        change_kind=ChangeKind.UPDATE,
        change_note="Scheduled update.",
        go_live_at=now + datetime.timedelta(days=7),
    )
    edit_alert(alert, user=editor, summary="Urgent wording [1].")
    publish(alert, editor=editor, change_kind=ChangeKind.CORRECTION, change_note="Urgent fix.")
    url = alert_url(publication)
    before = client.get(url)
    assert "Scheduled update." not in before.content.decode()
    assert "Urgent fix." in before.content.decode()

    later = second.go_live_at + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    after = client.get(url)

    assert "Scheduled update." in after.content.decode()
    assert after["Last-Modified"] != before["Last-Modified"]
