"""Security headers on every response, and pages that need no inline script or style."""

import re

import pytest
from django.urls import reverse

from tests.alerts.public.helpers import body_of

pytestmark = pytest.mark.django_db


def public_urls(publication, withdrawn):
    slug = publication.slug
    return [
        reverse("public:home"),
        reverse("public:alert_list") + "?q=caucasus&level=2",
        reverse("public:alert_detail", args=[slug]),
        reverse("public:alert_versions", args=[slug]),
        reverse("public:alert_version", args=[slug, 1]),
        reverse("public:country_list"),
        reverse("public:country_detail", args=["armenia"]),
        reverse("public:stage_list"),
        reverse("public:feed_alerts"),
        reverse("public:feed_country", args=["armenia"]),
        reverse("public:api_alert_list"),
        reverse("public:api_alert_detail", args=[slug]),
        reverse("public:api_determinations_csv"),
        reverse("public:sitemap"),
        reverse("public:robots_txt"),
        reverse("public:alert_detail", args=["no-such-alert"]),  # 404
        reverse("public:alert_detail", args=[withdrawn.slug]),  # 410
        reverse("admin:login"),
    ]


def directives(header):
    result = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            result[words[0]] = words[1:]
    return result


def test_every_response_carries_the_security_headers(client, publication, withdrawn):
    for url in public_urls(publication, withdrawn):
        response = client.get(url)
        assert response.status_code in (200, 404, 410), url
        csp = directives(response["Content-Security-Policy"])
        assert csp["default-src"] == ["'self'"], url
        assert csp["script-src"] == ["'self'"], url  # no inline script, no eval, no nonce
        assert "'unsafe-inline'" not in csp["style-src"], url
        assert csp["object-src"] == ["'none'"], url
        assert csp["base-uri"] == ["'none'"], url
        assert csp["frame-ancestors"] == ["'none'"], url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["X-Frame-Options"] == "DENY", url


def test_public_pages_use_no_inline_script_or_style(client, publication, withdrawn):
    for url in public_urls(publication, withdrawn):
        response = client.get(url)
        if "html" not in response["Content-Type"] or url.startswith("/admin/"):
            continue
        html = body_of(response)
        assert "<script" not in html, url
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url
        # An inline <style> without the request's nonce is refused by the browser (the
        # policy's style-src has no 'unsafe-inline'), so it can carry no injected CSS;
        # site.css holds every public style, so nothing depends on one.
