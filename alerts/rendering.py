"""An alert's content rendered to HTML once per publication, not once per reader.

Markdown and the content template were about three quarters of an uncached alert
page's CPU. A publication never changes, so its content is rendered when it is
published (workflow._publish) and stored in PublicationRendering; pages only
paste it in. The stored HTML is tagged with the *renderer*: a digest of the
content template, the code that turns a snapshot into it, and the Markdown
libraries' versions. After a deploy that changes any of them, each publication
is rendered again on its next read (or ahead of time: ``manage.py
render_publications``), so nobody is served HTML from older code.
"""

import functools
import hashlib
import inspect
from importlib import metadata

from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString, mark_safe

from . import presentation, snapshot, text
from .models import PublicationRendering
from .templatetags import public_tags

CONTENT_TEMPLATE = "alerts/_alert_content.html"


@functools.cache
def renderer():
    """A digest of everything that shapes the stored HTML."""
    digest = hashlib.sha256()
    digest.update(get_template(CONTENT_TEMPLATE).template.source.encode())
    # Not covered: this module, the URLconf (country links are reversed into the
    # HTML) and Django itself. After changing those, run render_publications --force.
    for module in (presentation, snapshot, text, public_tags):
        digest.update(inspect.getsource(module).encode())
    for package in ("markdown-it-py", "nh3"):
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=absent".encode())
    return digest.hexdigest()[:16]


def render_content(snap, *, link_countries):
    """The content of a snapshot as HTML; ``link_countries`` links rated countries' pages."""
    context = presentation.present(snap)
    if link_countries:
        context["linked_countries"] = {r["country"] for r in context["alert"]["ratings"]}
    return mark_safe(render_to_string(CONTENT_TEMPLATE, context))


def store(publication):
    """Render a publication's content and keep it (replacing any older rendering)."""
    html = render_content(publication.snapshot, link_countries=True)
    PublicationRendering.objects.bulk_create(
        [PublicationRendering(publication=publication, renderer=renderer(), html=html)],
        update_conflicts=True,
        unique_fields=["publication"],
        update_fields=["renderer", "html"],
    )
    return html


def content_html(publication):
    """The publication's content HTML: stored if current, else rendered now and stored.

    Load the publication with ``select_related("rendering")`` to make this free.
    """
    try:
        rendering = publication.rendering
    except PublicationRendering.DoesNotExist:
        rendering = None
    if rendering is not None and rendering.renderer == renderer():
        return SafeString(rendering.html)
    return store(publication)
