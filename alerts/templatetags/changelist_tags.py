"""Template helpers for the admin changelist (alerts/admin/changelist.py)."""

from django import template
from django.utils.encoding import iri_to_uri
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def choice_links(choices):
    """A filter's choices as admin/filter.html links them, written in one pass.

    For the 200 countries, the template loop was most of the filter's time.
    """
    links = []
    for choice in choices:
        selected = ' class="selected"' if choice["selected"] else ""
        href = escape(iri_to_uri(choice["query_string"]))
        links.append(
            f'<li{selected}><a href="{href}">{conditional_escape(choice["display"])}</a></li>'
        )
    return mark_safe("".join(links))  # every part is escaped
