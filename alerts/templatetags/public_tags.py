"""Template helpers for the public pages."""

import datetime
import html
import re
from urllib.parse import urlsplit

from django import template
from django.utils import dateformat
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe

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


@register.filter
def long_date(value):
    """A date as every public page writes one for people: "1 November 2020".

    Takes a date or the ISO text a snapshot keeps ("2020-11-01"); anything else is
    returned as it is, so a malformed stored value still shows."""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError:
            return value
    if isinstance(value, datetime.date):
        return dateformat.format(value, "j F Y")
    return value


# A legal locator's parts ("8(2)(b)(i)"): browsers may break a line between ")" and
# "(", which splits what reads as one word.
_PARENTHESISED = re.compile(r"\S*\)\(\S*")


@register.filter
def unbroken_locators(value):
    """``value`` escaped, each token like "8(2)(b)(i)" kept on one line."""
    return mark_safe(  # escaped here
        _PARENTHESISED.sub(
            lambda m: f'<span class="nowrap">{m.group(0)}</span>', str(escape(value or ""))
        )
    )
