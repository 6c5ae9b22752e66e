"""The site's URLs plus two pages that claim to be shareable but are not: one sets a
cookie, one varies on the Cookie header. The front cache must keep neither."""

from django.http import HttpResponse
from django.urls import include, path

from alerts.public.page_cache import cache_public_page


def sets_a_cookie(request):
    response = HttpResponse("made for one reader")
    response["Cache-Control"] = "public, max-age=60, s-maxage=300"
    response.set_cookie("choice", "one-reader")
    return response


def varies_on_cookie(request):
    response = HttpResponse(f"made for {request.COOKIES.get('choice', 'nobody')}")
    response["Cache-Control"] = "public, max-age=60, s-maxage=300"
    response["Vary"] = "Cookie"
    return response


@cache_public_page
def public_but_private(request):
    """A public route whose view says its response is private: it stays private."""
    response = HttpResponse("made for one reader")
    response["Cache-Control"] = "private, max-age=0"
    return response


@cache_public_page
def public_but_sets_a_cookie(request):
    response = HttpResponse("made for one reader")
    response.set_cookie("choice", "one-reader")
    return response


urlpatterns = [
    path("public-but-private/", public_but_private),
    path("public-but-sets-a-cookie/", public_but_sets_a_cookie),
    path("sets-a-cookie/", sets_a_cookie),
    path("varies-on-cookie/", varies_on_cookie),
    path("", include("config.urls")),
]
