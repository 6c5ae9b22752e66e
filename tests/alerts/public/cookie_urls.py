"""The site's URLs plus two pages that claim to be shareable but are not: one sets a
cookie, one varies on the Cookie header. The front cache must keep neither."""

from django.http import HttpResponse
from django.urls import include, path


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


urlpatterns = [
    path("sets-a-cookie/", sets_a_cookie),
    path("varies-on-cookie/", varies_on_cookie),
    path("", include("config.urls")),
]
