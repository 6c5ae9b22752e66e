"""Template helpers for the public pages."""

import functools
import html
import re
from urllib.parse import quote, urlsplit

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import strip_tags

from alerts.text import MARKER_RE, render_markdown

register = template.Library()

# A citation marker with the space before it: "the convention [1]." reads "the convention."
_MARKER_WITH_SPACE = re.compile(r"[ \t]*" + MARKER_RE.pattern)


@register.filter
def plain_text(markdown_text):
    """Editors' Markdown as plain text (for lists, descriptions and meta tags).

    Rendered and sanitised first, then stripped of tags and citation markers; the
    result is ordinary text that the template autoescapes.
    """
    text = _MARKER_WITH_SPACE.sub("", markdown_text or "")
    return " ".join(html.unescape(strip_tags(render_markdown(text))).split())


@register.filter
def web_url(value):
    """``value`` if it is an http(s) address, else "" (so no link is made).

    Sources are validated on input; this keeps a row written some other way (an old
    import, a shell session) from turning a reference into a javascript: link.
    """
    text = (value or "").strip()
    return text if urlsplit(text).scheme.lower() in ("http", "https") else ""


# Reversing a URL costs about 50 µs, and the pages listing 200 countries did it 400
# times. These fill in a pattern reversed once (per script prefix) instead.
_SLUG = "slug-to-fill-in"


@functools.lru_cache(maxsize=32)
def _pattern(view_name, script_prefix):
    return reverse(view_name, args=[_SLUG])


def _url(view_name, slug):
    return _pattern(view_name, get_script_prefix()).replace(_SLUG, quote(str(slug), safe=""), 1)


@register.filter
def country_url(slug):
    """The public page of the country ``slug`` (what {% url 'public:country_detail' %} gives)."""
    return _url("public:country_detail", slug)


@register.filter
def alert_url(slug):
    """The public page of the alert ``slug`` (what {% url 'public:alert_detail' %} gives)."""
    return _url("public:alert_detail", slug)
