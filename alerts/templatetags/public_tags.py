"""Template helpers for the public pages."""

import html
import re

from django import template
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
