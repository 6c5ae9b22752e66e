"""The page cache's middleware: a hit is answered before the rest of the stack runs,
yet carries every header that stack gives a page, and nothing personal is kept."""

import pytest
from django.middleware.csp import get_nonce
from django.urls import reverse

from tests.builders import login_verified

pytestmark = pytest.mark.django_db

FRONT_DOOR = "alerts.public.page_cache.PublicPageCacheMiddleware"
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
        response["X-Nonce-Seen"] = str(get_nonce(request))  # the CSP header now has it
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
    """Put a test middleware right below the page cache; return what reached it."""

    def install(name="Counting"):
        middleware = list(settings.MIDDLEWARE)
        assert middleware[0] == FRONT_DOOR
        # A nonce is used while the page is made, as a template would, before the
        # CSP middleware writes its header: innermost.
        middleware.insert(len(middleware) if name == "UsingTheNonce" else 1, f"{__name__}.{name}")
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
    login_verified(client, editor)

    signed_in = client.get(url)

    assert signed_in.content == anonymous.content
    assert not signed_in.cookies


def test_staff_pages_static_files_and_writes_are_never_kept(
    client, publication, editor, below_front_door
):
    reached = below_front_door()
    login_verified(client, editor)
    preview = reverse("staff:alert_preview", args=[publication.alert_id])
    asked = [preview, preview, "/static/css/site.css", "/static/css/site.css"]
    for url in asked:
        client.get(url)
    client.post(alert_url(publication))
    client.post(alert_url(publication))

    assert reached == [*asked, alert_url(publication), alert_url(publication)]
