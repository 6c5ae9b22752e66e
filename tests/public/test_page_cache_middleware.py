"""The page cache's front door: a hit is answered before the rest of the stack runs,
yet carries every header that stack gives a page and keeps nothing personal."""

import pytest
from django.core.checks import run_checks
from django.middleware.csp import get_nonce
from django.urls import reverse

from alerts import public_cache

pytestmark = pytest.mark.django_db

FRONT_DOOR = "alerts.public_cache.PublicPageMiddleware"
# Headers the middleware below the front door adds to a page made on request.
STACK_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "Referrer-Policy",
    "X-Content-Type-Options",
    "Cross-Origin-Opener-Policy",
)

passed = []  # requests that reached the middleware below the front door


class Counting:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        passed.append(request.path)
        return self.get_response(request)


class SettingACookie(Counting):
    def __call__(self, request):
        response = super().__call__(request)
        response.set_cookie("personal", "only-for-this-reader")
        return response


class UsingTheNonce(Counting):
    def __call__(self, request):
        response = super().__call__(request)
        response["X-Nonce-Seen"] = str(get_nonce(request))
        return response


class VaryingOnCookie(Counting):
    def __call__(self, request):
        response = super().__call__(request)
        response["Vary"] = "Cookie"
        return response


class VaryingOnLanguage(Counting):
    def __call__(self, request):
        response = super().__call__(request)
        response["Vary"] = "Accept-Language"
        return response


@pytest.fixture
def below_front_door(settings):
    """Put a test middleware right below the front door; return what reached it."""

    def install(name="Counting"):
        middleware = list(settings.MIDDLEWARE)
        assert middleware[0] == FRONT_DOOR
        middleware.insert(1, f"{__name__}.{name}")
        settings.MIDDLEWARE = middleware
        passed.clear()
        return passed

    yield install
    passed.clear()


def alert_url(publication):
    return reverse("public:alert_detail", args=[publication.slug])


PAGES = {
    "alert page": alert_url,
    "alert list": lambda publication: reverse("public:alert_list"),
    "feed": lambda publication: reverse("public:feed_alerts"),
}


@pytest.mark.parametrize("page", PAGES)
def test_a_hit_is_answered_before_the_rest_of_the_stack(
    client, publication, below_front_door, page
):
    reached = below_front_door()
    url = PAGES[page](publication)

    made = client.get(url)
    hit = client.get(url)

    assert reached == [url]
    assert hit.status_code == 200
    assert hit.content == made.content


def test_a_hit_carries_every_header_the_stack_gave_the_page(client, publication, settings):
    settings.SECURE_HSTS_SECONDS = 3600  # as in production settings
    url = alert_url(publication)
    made = client.get(url, secure=True)
    hit = client.get(url, secure=True)

    for name in (*STACK_HEADERS, "Strict-Transport-Security", "ETag", "Cache-Control"):
        assert made.has_header(name), name
        assert hit[name] == made[name], name
    assert hit["Content-Type"] == made["Content-Type"]


def test_a_hit_answers_304_with_its_validators(client, publication, below_front_door):
    reached = below_front_door()
    url = alert_url(publication)
    made = client.get(url)

    again = client.get(url, HTTP_IF_NONE_MATCH=made["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    for name in (*STACK_HEADERS, "ETag", "Cache-Control"):
        assert again[name] == made[name], name
    assert not again.has_header("Content-Type")
    assert reached == [url]


def test_a_failed_precondition_on_a_hit_keeps_the_security_headers(client, publication):
    url = alert_url(publication)
    made = client.get(url)
    client.get(url)

    refused = client.get(url, HTTP_IF_MATCH='"some-other-version"')

    assert refused.status_code == 412
    for name in STACK_HEADERS:
        assert refused[name] == made[name], name


@pytest.mark.parametrize(
    "middleware", ["SettingACookie", "UsingTheNonce", "VaryingOnCookie", "VaryingOnLanguage"]
)
def test_a_response_made_for_one_reader_is_never_kept(
    client, publication, below_front_door, middleware
):
    reached = below_front_door(middleware)
    url = alert_url(publication)

    client.get(url)
    client.get(url)

    assert reached == [url, url]


def test_a_hit_still_refuses_a_host_that_is_not_allowed(client, publication):
    url = alert_url(publication)
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200

    refused = client.get(url, HTTP_HOST="attacker.example")

    assert refused.status_code == 400
    # Left to the stack: the same error page, with the same security headers, as on
    # a route that is never cached.
    uncached = client.get(reverse("public:robots_txt"), HTTP_HOST="attacker.example")
    assert uncached.status_code == 400
    assert sorted(refused.headers) == sorted(uncached.headers)
    assert refused.has_header("Content-Security-Policy")


def test_a_hit_over_https_does_not_answer_plain_http(client, publication, settings):
    settings.SECURE_SSL_REDIRECT = True
    url = alert_url(publication)
    assert client.get(url, secure=True).status_code == 200
    assert client.get(url, secure=True).status_code == 200

    redirect = client.get(url)
    assert redirect.status_code == 301
    assert redirect["Location"].startswith("https://")


def test_a_signed_in_editor_sees_the_same_public_page(client, publication, editor):
    url = alert_url(publication)
    anonymous = client.get(url)
    client.force_login(editor)

    signed_in = client.get(url)

    assert signed_in.content == anonymous.content
    assert not signed_in.cookies


def test_staff_pages_static_files_and_writes_are_not_looked_up(
    client, publication, editor, monkeypatch
):
    looked_up = []
    real_lookup = public_cache._lookup

    def recording_lookup(key, **kwargs):
        looked_up.append(key)
        return real_lookup(key, **kwargs)

    monkeypatch.setattr(public_cache, "_lookup", recording_lookup)
    client.force_login(editor)

    assert (
        client.get(reverse("staff:alert_preview", args=[publication.alert_id])).status_code == 200
    )
    client.get("/static/css/public.css")
    client.post(alert_url(publication))
    assert looked_up == []

    client.get(alert_url(publication))
    assert len(looked_up) == 1


def test_the_front_door_follows_a_change_of_urlconf(client, publication, settings):
    url = reverse("public:alert_list")
    assert client.get(url)["ETag"]  # a cached page
    assert client.get(url)["ETag"]  # and its route remembered

    settings.ROOT_URLCONF = "tests.public.plain_urls"
    response = client.get(url)

    assert response.text == "plain"
    assert not response.has_header("ETag")


def test_the_front_door_must_come_first(settings):
    assert not [e for e in run_checks() if e.id == "alerts.E001"]

    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != FRONT_DOOR] + [FRONT_DOOR]

    assert [e.id for e in run_checks() if e.id.startswith("alerts.")] == ["alerts.E001"]


def test_without_the_cache_the_page_is_still_served(client, publication, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(public_cache, "current_generation", down)

    response = client.get(alert_url(publication))

    assert response.status_code == 200
    assert publication.title in response.content.decode()


def test_a_deploy_that_changes_the_headers_does_not_replay_the_old_ones(
    client, publication, settings
):
    url = alert_url(publication)
    assert client.get(url)["X-Frame-Options"] == "DENY"
    assert client.get(url)["X-Frame-Options"] == "DENY"

    # A new process with new settings (its own memo of them; the shared cache is shared).
    settings.X_FRAME_OPTIONS = "SAMEORIGIN"
    public_cache._headers_version.cache_clear()
    public_cache.forget_recent_pages()
    try:
        assert client.get(url)["X-Frame-Options"] == "SAMEORIGIN"
    finally:
        public_cache._headers_version.cache_clear()
