"""The shipped Varnish configuration, in front of the live test server, with the real
task worker purging it: every public change shows through it on the next request,
repeat requests never reach the app, a scheduled go-live shows on time, and staff
pages never come from it.

Varnish (Debian's ``varnish``) must be installed: locally these tests skip without
it; in CI (``CI=true``) they fail, so a CI machine without it can never pass.
"""

import datetime
import gzip
import http.client
import os
import re
import time

import pytest
from django.core.signals import request_started
from django.db import transaction
from django.forms.models import model_to_dict
from django.tasks import TaskResultStatus
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from alerts import workflow
from alerts.editing import revision
from alerts.models import ChangeKind, StageRating
from alerts.public import front_cache
from stages.models import Country
from tests.alerts.workflow_helpers import publish
from tests.builders import (
    edit_alert,
    login_verified,
    make_alert,
    make_editor,
    make_reviewer,
    make_user,
)
from tests.processes import Varnish, Worker, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(scope="session")
def varnish(live_server, tmp_path_factory):
    if not Varnish.available():
        message = f"varnishd is not installed (looked for {Varnish.VARNISHD})"
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"{message}; the front-cache tests must run in CI.", pytrace=False)
        pytest.skip(message)
    host, port = live_server.thread.host, live_server.thread.port
    proxy = Varnish(
        tmp_path_factory.mktemp("varnish"), ("127.0.0.1" if host == "localhost" else host, port)
    )
    yield proxy
    proxy.stop()


class Front:
    """Requests through the proxy and straight to the app, with the same Host header
    (pages carry absolute links), and a count of the requests the app received."""

    def __init__(self, varnish, live_server):
        self.varnish = varnish
        self.app_port = live_server.thread.port
        self.host = f"127.0.0.1:{varnish.port}"
        self.received = []
        request_started.connect(self._count)

    def _count(self, sender, environ, **kwargs):
        query = environ.get("QUERY_STRING")
        self.received.append(environ["PATH_INFO"] + (f"?{query}" if query else ""))

    def close(self):
        request_started.disconnect(self._count)

    def request(self, port, path, *, method="GET", headers=None, source=None):
        connection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=30, source_address=(source, 0) if source else None
        )
        connection.request(method, path, headers={"Host": self.host} | (headers or {}))
        response = connection.getresponse()
        body = response.read()
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body

    def get(self, path, **kwargs):
        """Through the proxy."""
        return self.request(self.varnish.port, path, **kwargs)

    def direct(self, path):
        """What the app itself answers now."""
        return self.request(self.app_port, path)

    def purge(self, path, **kwargs):
        """On the purge socket."""
        return self.request(self.varnish.purge_port, path, **kwargs)

    def ban_everything(self):
        status, _, _ = self.purge("/", method="BAN", headers={front_cache.BAN_HEADER: "."})
        assert status == 200

    def hits_to_app(self, path):
        return self.received.count(path)


@pytest.fixture
def front(varnish, live_server, settings):
    settings.FRONT_CACHE_URLS = [varnish.purge_url]
    front = Front(varnish, live_server)
    front.ban_everything()  # nothing kept by an earlier test, whose rows are gone
    yield front
    front.close()


@pytest.fixture
def worker(varnish):
    process = Worker(FRONT_CACHE_URLS=varnish.purge_url)
    yield process
    process.stop()


def wait_for_purges():
    """Until every purge due now has run, and none failed."""
    purges = DBTaskResult.objects.filter(task_path=front_cache.purge.module_path)

    def done():
        failed = purges.filter(status=TaskResultStatus.FAILED)
        assert not failed.exists(), failed.first().traceback
        return not (purges.ready().exists() or purges.running().exists())

    wait_for(done, message="the purge tasks")


def public_urls(*, alert_slugs, country_slugs, word):
    """Every public URL a change to these alerts and countries shows on."""
    urls = [
        reverse("public:home"),
        reverse("public:alert_list"),
        reverse("public:alert_list") + "?level=emergency",
        reverse("public:alert_list") + f"?q={word}",  # search
        reverse("public:country_list"),
        reverse("public:stage_list"),
        reverse("public:feed_alerts"),
        reverse("public:sitemap"),
        reverse("public:sitemap_section", args=["alerts"]),
        reverse("public:sitemap_section", args=["countries"]),
        reverse("public:api_alert_list"),
        reverse("public:api_withdrawals"),
        reverse("public:api_determinations_csv"),
        reverse("public:api_determinations_csv") + "?country=armenia",
    ]
    for slug in alert_slugs:
        urls += [
            reverse("public:alert_detail", args=[slug]),
            reverse("public:alert_versions", args=[slug]),
            reverse("public:alert_version", args=[slug, 1]),
            reverse("public:api_alert_detail", args=[slug]),
        ]
    for slug in country_slugs:
        urls += [
            reverse("public:country_detail", args=[slug]),
            reverse("public:feed_country", args=[slug]),
        ]
    return urls


def warm(front, urls):
    """Fetch each URL twice through the proxy; the second must be a hit where the app
    answers 200 (kept), and the app must have seen only the first."""
    before = {}
    for url in urls:
        first = front.get(url)
        seen = front.hits_to_app(url)
        second = front.get(url)
        assert second[2] == first[2], url
        if first[0] == 200:
            assert second[1]["x-cache"] == "HIT", (url, second[1])
            assert front.hits_to_app(url) == seen, f"{url}: a repeat request reached the app"
        before[url] = second
    return before


def assert_shows_the_change(front, urls, before):
    """Through the proxy, each URL is now exactly what the app makes of the committed
    rows; returns the URLs whose content changed."""
    changed = []
    for url in urls:
        status, headers, body = front.get(url)
        direct_status, _, direct_body = front.direct(url)
        assert (status, body) == (direct_status, direct_body), f"{url} is stale through the proxy"
        if (status, body) != before[url][::2]:
            changed.append(url)
        if status == 200:
            assert front.get(url)[1]["x-cache"] == "HIT", url
    return changed


def drop_country(alert, *, user, country_name):
    with revision(user=user, comment=f"Drop {country_name}"):
        country = Country.objects.get(name=country_name)
        StageRating.objects.filter(alert=alert, country=country).delete()
        alert.countries.remove(country)
        alert.save()


def test_every_transition_shows_through_the_proxy_on_the_next_request(front, worker, client):
    editor = make_editor("editor")
    reviewers = [make_reviewer("rev_a"), make_reviewer("rev_b")]
    standing = make_alert(author=editor, title="Standing alert")
    publish(standing, editor=editor, reviewers=reviewers)
    draft = make_alert(
        author=editor,
        title="Massacre reports from Georgia",
        countries=("Armenia", "Georgia"),
        ratings={"Armenia": [7], "Georgia": [6]},
    )
    urls = public_urls(
        alert_slugs=[draft.slug],
        country_slugs=["armenia", "azerbaijan", "georgia"],
        word="massacre",
    )

    # A publication.
    before = warm(front, urls)
    publish(draft, editor=editor, reviewers=reviewers)
    wait_for_purges()
    changed = assert_shows_the_change(front, urls, before)
    assert set(changed) >= {
        "/",
        "/alerts/",
        "/alerts/?q=massacre",
        f"/alerts/{draft.slug}/",
        "/countries/georgia/",
        "/feeds/countries/georgia/",
        "/feeds/alerts/",
        "/sitemap-alerts.xml",
        "/api/alerts/",
        "/api/determinations.csv",
        "/stages/",
    }

    # An update that drops a country.
    before = warm(front, urls)
    edit_alert(draft, user=editor, title="Massacre reports, revised")
    drop_country(draft, user=editor, country_name="Georgia")
    publish(
        draft,
        editor=editor,
        reviewers=reviewers,
        change_kind=ChangeKind.UPDATE,
        change_note="Georgia was named in error.",
    )
    wait_for_purges()
    changed = assert_shows_the_change(front, urls, before)
    assert {"/", f"/alerts/{draft.slug}/", "/countries/georgia/", "/feeds/alerts/"} <= set(changed)
    assert b"Massacre reports, revised" in front.get("/")[2]

    # A withdrawal.
    before = warm(front, urls)
    workflow.withdraw(alert=draft, user=reviewers[0], reason="Sources retracted.")
    wait_for_purges()
    changed = assert_shows_the_change(front, urls, before)
    assert {
        "/",
        "/alerts/",
        f"/alerts/{draft.slug}/",
        "/api/alerts/",
        "/countries/armenia/",
    } <= set(changed)
    assert b"Massacre reports" not in front.get("/")[2]

    # A country renamed (and readdressed) in the admin: not public until a reviewed
    # publication that includes it carries the change.
    before = warm(front, urls)
    login_verified(client, make_user("admin", superuser=True))
    azerbaijan = Country.objects.get(slug="azerbaijan")
    form = {k: v for k, v in model_to_dict(azerbaijan).items() if v is not None}
    response = client.post(
        reverse("admin:stages_country_change", args=[azerbaijan.pk]),
        form | {"name": "Azerbaijan (renamed)", "slug": "azerbaijan-renamed", "_save": "Save"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert assert_shows_the_change(front, urls, before) == []

    edit_alert(standing, user=editor, title="Standing alert, updated")
    publish(
        standing,
        editor=editor,
        reviewers=reviewers,
        change_kind=ChangeKind.UPDATE,
        change_note="Azerbaijan's new name.",
    )
    wait_for_purges()
    urls.append("/countries/azerbaijan-renamed/")
    before["/countries/azerbaijan-renamed/"] = (404, {}, b"")
    changed = assert_shows_the_change(front, urls, before)
    assert {"/countries/", "/countries/azerbaijan/", "/stages/"} <= set(changed)
    assert b"Azerbaijan (renamed)" in front.get("/countries/")[2]
    assert front.get("/countries/azerbaijan/")[0] == 301


def test_a_scheduled_go_live_shows_through_the_proxy_on_time(front, worker):
    editor = make_editor("editor")
    reviewers = [make_reviewer("rev_a"), make_reviewer("rev_b")]
    publish(make_alert(author=editor, title="Standing alert"), editor=editor, reviewers=reviewers)
    go_live = timezone.now() + datetime.timedelta(seconds=6)
    publish(
        make_alert(author=editor, title="Embargoed until six seconds from now"),
        editor=editor,
        reviewers=reviewers,
        go_live_at=go_live,
    )
    wait_for_purges()

    status, headers, body = front.get("/")
    assert b"Embargoed" not in body
    s_maxage = int(re.search(r"s-maxage=(\d+)", headers["cache-control"]).group(1))
    assert s_maxage <= (go_live - timezone.now()).total_seconds() + 1
    assert front.get("/")[1]["x-cache"] == "HIT"

    while timezone.now() < go_live:
        assert b"Embargoed" not in front.get("/")[2], "shown before its go-live time"
        time.sleep(0.2)
    time.sleep(0.5)
    assert b"Embargoed until six seconds from now" in front.get("/")[2]


def test_staff_pages_and_signed_in_staff_never_come_from_the_proxy(front, client):
    editor = make_editor("editor")
    alert = make_alert(author=editor, title="A draft only staff see")
    login_verified(client, editor)
    session = f"sessionid={client.cookies['sessionid'].value}"
    for path in [
        reverse("admin:index"),
        reverse("admin:alerts_alert_change", args=[alert.pk]),
        reverse("staff:alert_preview", args=[alert.pk]),
        reverse("public:home"),  # a public page, for someone signed in
    ]:
        seen = front.hits_to_app(path)
        for _ in range(2):
            status, headers, body = front.get(path, headers={"Cookie": session})
            assert status == 200, path
            assert headers["x-cache"] == "PASS", (path, headers)
        assert front.hits_to_app(path) == seen + 2, path
    # Nor is what staff were shown kept for anyone else.
    status, headers, body = front.get(reverse("staff:alert_preview", args=[alert.pk]))
    assert b"A draft only staff see" not in body


def test_analytics_and_csrf_cookies_share_the_kept_page(front, worker):
    publish(make_alert(author=make_editor("editor"), title="Shared page"), editor=make_editor())
    front.get("/")
    seen = front.hits_to_app("/")
    status, headers, body = front.get("/", headers={"Cookie": "_ga=GA1.1.123; csrftoken=abc"})
    assert headers["x-cache"] == "HIT"
    assert front.hits_to_app("/") == seen


def test_a_response_that_sets_a_cookie_is_never_kept(front):
    path = reverse(
        "admin:login"
    )  # sets the CSRF cookie; outside the admin it would be no different
    for _ in range(2):
        status, headers, _ = front.get(path)
        assert "set-cookie" in headers
        assert headers["x-cache"] == "PASS"


@pytest.mark.parametrize("path", ["/sets-a-cookie/", "/varies-on-cookie/"])
def test_a_response_that_sets_or_varies_on_a_cookie_is_never_kept_even_if_it_says_public(
    front, settings, path
):
    settings.ROOT_URLCONF = "tests.alerts.public.cookie_urls"
    for _ in range(3):
        status, headers, _ = front.get(path)
        assert status == 200
        assert headers["x-cache"] != "HIT", headers
    assert front.hits_to_app(path) == 3


def test_static_files_are_kept(front):
    path = "/static/css/site.css"
    front.get(path)
    seen = front.hits_to_app(path)
    status, headers, _ = front.get(path)
    assert status == 200
    assert headers["x-cache"] == "HIT"
    assert front.hits_to_app(path) == seen


def test_purges_from_an_address_not_on_the_list_are_refused(front):
    publish(make_alert(author=make_editor("editor"), title="Kept page"), editor=make_editor())
    front.get("/")
    for method, headers in [("PURGE", {}), ("BAN", {front_cache.BAN_HEADER: "."})]:
        # From an address not on the list, on the purge socket.
        status, _, _ = front.purge("/", method=method, headers=headers, source="127.0.0.2")
        assert status == 403, method
        # On the public socket, even from the app servers' address (a TLS proxy on the
        # same host would make every reader come from there).
        status, _, _ = front.get("/", method=method, headers=headers)
        assert status == 403, method
    assert front.get("/")[1]["x-cache"] == "HIT", "the refused purge must not have dropped it"
    # From the app servers' address, on the purge socket, the same purge is accepted.
    status, _, _ = front.purge("/", method="PURGE")
    assert status == 200
    assert front.get("/")[1]["x-cache"] == "MISS"


def test_a_purge_the_proxy_refuses_is_retried(front, settings):
    """A proxy that is down (or refuses) fails the purge task, which queues the next try."""
    settings.FRONT_CACHE_URLS = ["http://127.0.0.1:9"]  # nothing listens there
    with transaction.atomic():
        front_cache.alert_changed(make_alert(author=make_editor("editor")))
    process = Worker(FRONT_CACHE_URLS="http://127.0.0.1:9")
    try:
        purges = DBTaskResult.objects.filter(task_path=front_cache.purge.module_path)
        wait_for(
            lambda: purges.filter(status=TaskResultStatus.FAILED).count() >= 2,
            message="two failed tries",
        )
        assert purges.filter(status=TaskResultStatus.READY).exists(), "a next try is queued"
    finally:
        process.stop()


def test_a_withheld_version_leaves_the_proxy_too(front, worker):
    editor = make_editor("editor")
    reviewers = [make_reviewer("rev_a"), make_reviewer("rev_b"), make_reviewer("rev_c")]
    alert = make_alert(author=editor, title="Detentions", summary="Kestrelwood Aymar saw it [1].")
    publish(alert, editor=editor, reviewers=reviewers[2:])
    edit_alert(alert, user=editor, summary="A witness saw it [1].")
    publish(
        alert,
        editor=editor,
        reviewers=reviewers[2:],
        change_kind=ChangeKind.CORRECTION,
        change_note="A name removed.",
    )
    urls = [
        reverse("public:alert_version", args=[alert.slug, 1]),
        reverse("public:alert_versions", args=[alert.slug]) + "?from=1&to=2",
        reverse("public:api_alert_version", args=[alert.slug, 1]),
        reverse("public:feed_alerts"),
        reverse("public:feed_country", args=["armenia"]),
    ]
    wait_for_purges()
    before = warm(front, urls)
    assert all(b"Kestrelwood" in body for _, _, body in before.values())

    redaction = workflow.propose_redaction(alert=alert, numbers=[1], user=reviewers[0])
    workflow.approve_redaction(redaction=redaction, user=reviewers[1])
    wait_for_purges()

    assert_shows_the_change(front, urls, before)
    for url in urls:
        assert b"Kestrelwood" not in front.get(url)[2], url


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/alerts/",
        "/feeds/alerts/",
        "/api/alerts/",
        "/api/determinations.csv",
        "/sitemap.xml",
        "/static/css/site.css",
    ],
)
def test_pages_reach_clients_compressed_once_by_the_proxy(front, path):
    publish(make_alert(author=make_editor("editor"), title="Compressed page"), editor=make_editor())
    _, _, direct = front.direct(path)

    first = front.get(path, headers={"Accept-Encoding": "gzip"})
    again = front.get(path, headers={"Accept-Encoding": "gzip, br"})
    plain = front.get(path)

    assert first[0] == 200
    assert first[1].get("content-encoding") == "gzip", (path, first[1])
    assert gzip.decompress(first[2]) == direct
    assert len(first[2]) < len(direct)
    # Kept compressed: the hit is the stored gzip, not compressed again for it.
    assert again[1]["x-cache"] == "HIT"
    assert again[1].get("content-encoding") == "gzip"
    assert again[2] == first[2]
    # A client that does not accept gzip gets the page as the app made it.
    assert "content-encoding" not in plain[1]
    assert plain[2] == direct


def test_a_response_carrying_a_csrf_token_is_never_compressed(front):
    status, headers, body = front.get(reverse("admin:login"), headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert b"csrfmiddlewaretoken" in body
    assert "content-encoding" not in headers
