"""What lists and feeds show of a publication, rendered once, not once per reader.

An uncached list spent most of its time in the item template and in Markdown: every
request ran twenty summaries through the Markdown renderer and the sanitiser, and
read each summary out of its publication's snapshot (a large value PostgreSQL must
decompress whole). A publication never changes, so its list entry (the ``<li>`` of
public/_alert_item.html) and its feed entry's content are rendered when it is
published and kept in PublicationItem; home, the list, search results and the feeds
read them by id.

Like the content (alerts/rendering.py), an item is tagged with its *renderer*: a
digest of the item template, this module, the query that loads what it shows, the
level names and the content's renderer (which covers the Markdown code and
libraries). An item made by another renderer, or missing (a bulk-loaded or restored
database), is made again when a list needs it, or ahead of time by ``manage.py
render_publications``. Not covered, as for the content: the URLconf (the item links
the alert's page), TIME_ZONE (its dates) and Django; after changing those, run
``render_publications --force``.
"""

import functools
import hashlib
import inspect
import sys

from django.template.loader import get_template, render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from . import public_data, rendering
from .models import ChangeKind, Level, Publication, PublicationItem
from .templatetags import page_tags
from .text import render_markdown

ITEM_TEMPLATE = "public/_alert_item.html"
# What a feed entry needs of the publication besides its item.
ENTRY_FIELDS = ("slug", "title", "number", "level", "change_kind", "go_live_at")


@functools.cache
def renderer():
    """A digest of everything that shapes a stored item."""
    digest = hashlib.sha256(rendering.renderer().encode())
    digest.update(get_template(ITEM_TEMPLATE).template.source.encode())
    for source in (sys.modules[__name__], page_tags, public_data.for_lists):
        digest.update(inspect.getsource(source).encode())
    digest.update(repr((public_data.LIST_FIELDS, Level.choices)).encode())
    return digest.hexdigest()[:16]


def _entry_html(publication):
    parts = []
    if publication.change_note:
        kind = "Correction" if publication.change_kind == ChangeKind.CORRECTION else "Update"
        parts.append(format_html("<p><strong>{}:</strong> {}</p>", kind, publication.change_note))
    # Markers stay plain "[1]" text: the feed has no reference list to link them to.
    parts.append(render_markdown(publication.summary or ""))
    return "".join(str(p) for p in parts)


def _make(publication):
    """The item of a publication loaded by ``public_data.for_lists``."""
    return PublicationItem(
        publication=publication,
        renderer=renderer(),
        html=render_to_string(ITEM_TEMPLATE, {"item": publication}),
        entry_html=_entry_html(publication),
        countries=[c.get("name", "") for c in (publication.snapshot_countries or [])],
    )


def store(ids):
    """Render the items of the publications ``ids`` and keep them (replacing older ones)."""
    made = [_make(p) for p in public_data.for_lists(Publication.objects.filter(pk__in=ids))]
    PublicationItem.objects.bulk_create(
        made,
        update_conflicts=True,
        unique_fields=["publication"],
        update_fields=["renderer", "html", "entry_html", "countries"],
    )
    return made


def for_ids(ids):
    """The items of the publications ``ids``, in that order, each with its publication's
    ``ENTRY_FIELDS`` loaded. One query when all are stored by the current renderer."""
    ids = list(ids)
    found = {
        item.publication_id: item
        for item in PublicationItem.objects.filter(publication__in=ids, renderer=renderer())
        .select_related("publication")
        .only("html", "entry_html", "countries", *(f"publication__{f}" for f in ENTRY_FIELDS))
    }
    missing = [pk for pk in ids if pk not in found]
    if missing:
        found.update((item.publication_id, item) for item in store(missing))
    return [found[pk] for pk in ids if pk in found]


def html(items):
    """The list entries of ``items``, as one piece of HTML for a ``<ul>``."""
    return mark_safe("".join(item.html for item in items))
