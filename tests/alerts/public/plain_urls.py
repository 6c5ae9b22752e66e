"""A URLconf in which the alert list's path is an ordinary, uncached page."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("alerts/", lambda request: HttpResponse("plain"), name="plain")]
