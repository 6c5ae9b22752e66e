"""What a publication shows, made once, when it is published.

A publication never changes, so the HTML of its content (the alert between the
page's header and its footer: summary, determinations, evidence, recommendations,
references), its summary as HTML and as plain text, and its countries are made from
the approved snapshot when it is published and kept in its own columns
(``publication_fields``). Serving an alert page, a list or a feed never runs
Markdown; the page around the content renders normally, so a change to the site's
templates needs no re-render.

Staff previews render a working copy's snapshot the same way, on each request. This is
the one module that turns a snapshot into HTML (``present`` makes the template's
context: Markdown rendered and sanitised in reading order).
"""

from itertools import groupby

from django.contrib.postgres.search import SearchVector
from django.db import connection, models, transaction
from django.db.models import Value
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from .models import Alert, Publication
from .snapshot import upgrade
from .templatetags.public_tags import plain_text
from .text import render_markdown

CONTENT_TEMPLATE = "alerts/_alert_content.html"
# The sections after the summary, with their headings.
SECTIONS = tuple((name, label) for name, label in Alert.TEXT_FIELDS.items() if name != "summary")
# Searched with weight C, after the title (A) and the summary (B): these sections, and
# every piece of text in these lists (rationales, evidence, recommendations, with the
# country and stage names they carry).
SEARCHED_SECTIONS = tuple(name for name, _ in SECTIONS)
SEARCHED_LISTS = ("ratings", "evidence", "recommendations")


def present(snapshot):
    """A template context for ``alerts/alert_body.html``.

    Markdown is rendered in reading order with one shared env, so each marker gets
    a unique anchor and each reference lists the places that cite it.
    """
    snapshot = upgrade(snapshot)
    env = {"citations": {c["number"] for c in snapshot["citations"]}}

    def md(text):
        return render_markdown(text, env)

    summary = md(snapshot["summary"])
    sections = [
        {"key": key, "title": title, "html": md(snapshot[key])}
        for key, title in SECTIONS
        if snapshot[key]
    ]
    ratings_by_country = []
    for country_slug, rows in groupby(snapshot["ratings"], key=lambda r: r["country"]):
        rows = list(rows)
        ratings_by_country.append(
            {
                "slug": country_slug,
                "name": rows[0]["country_name"],
                "stages": [
                    {
                        "number": r["stage"],
                        "name": r["stage_name"],
                        "rationale_html": md(r["rationale"]),
                    }
                    for r in rows
                ],
            }
        )
    evidence = [dict(e, html=md(e["text"])) for e in snapshot["evidence"]]
    recommendations = [dict(r, html=md(r["action"])) for r in snapshot["recommendations"]]
    backrefs = env.get("backrefs", {})
    references = [dict(c, backrefs=backrefs.get(c["number"], [])) for c in snapshot["citations"]]
    return {
        "alert": snapshot,
        "summary_html": summary,
        "sections": sections,
        "ratings_by_country": ratings_by_country,
        "evidence": evidence,
        "recommendations": recommendations,
        "references": references,
    }


def render_content(snapshot, *, link_countries):
    """The content of a snapshot as HTML; ``link_countries`` links rated countries' pages."""
    context = present(snapshot)
    if link_countries:
        context["linked_countries"] = {r["country"] for r in context["alert"]["ratings"]}
    return mark_safe(render_to_string(CONTENT_TEMPLATE, context))


def search_document(snapshot):
    """The publication's full-text search vector (PostgreSQL), or None (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    parts = [
        SearchVector(Value(snapshot["title"]), weight="A", config="english"),
        SearchVector(Value(snapshot["summary"]), weight="B", config="english"),
    ]
    body = [snapshot[key] for key in SEARCHED_SECTIONS]
    # In key order: a snapshot read back from PostgreSQL's jsonb has its keys reordered,
    # and the document must not depend on where the snapshot came from.
    body += [
        row[name]
        for key in SEARCHED_LISTS
        for row in snapshot[key]
        for name in sorted(row)
        if isinstance(row[name], str)
    ]
    body = "\n\n".join(text for text in body if text)
    parts.append(SearchVector(Value(body), weight="C", config="english"))
    document = parts[0]
    for part in parts[1:]:
        document = document + part
    return document


def publication_fields(snapshot):
    """The columns of a Publication that are made from its snapshot, as keyword arguments."""
    snapshot = upgrade(snapshot)
    stages = {}
    for r in snapshot["ratings"]:
        stages.setdefault(r["country"], []).append(r["stage"])
    return {
        "title": snapshot["title"],
        "slug": snapshot["slug"],
        "level": snapshot["level"],
        "issued_on": snapshot["issued_on"],
        "content_html": render_content(snapshot, link_countries=True),
        # Citation markers stay plain "[1]": feeds have no reference list to link them to.
        "summary_html": render_markdown(snapshot["summary"] or ""),
        "summary_text": plain_text(snapshot["summary"]),
        # With each country's stages: what the social card and its alt text say
        # (alerts/assets.py), read without the snapshot.
        "countries": [
            dict(c, rated=c["slug"] in stages, stages=sorted(stages.get(c["slug"], [])))
            for c in snapshot["countries"]
        ],
        "search_document": search_document(snapshot),
    }


# The columns ``render_again`` may write: made from the snapshot, never approved
# themselves (the snapshot, its hash, title, slug, level and dates stay as they were).
RENDERED_FIELDS = ("content_html", "summary_html", "summary_text", "countries", "search_document")


def render_again(publication_ids):
    """Make the rendered columns of these publications again from their snapshots,
    with the code of today: after a security fix in the Markdown or sanitising
    libraries, or a fix to the content template. Returns how many were written.

    Publications are immutable to the application (their manager refuses updates):
    this is the one deliberate exception, through a plain QuerySet, and it cannot
    touch what was approved.
    """
    plain = models.QuerySet(Publication)
    count = 0
    for publication in plain.filter(pk__in=publication_ids).only("pk", "snapshot").iterator():
        fields = publication_fields(publication.snapshot)
        with transaction.atomic():
            plain.filter(pk=publication.pk).update(
                **{name: fields[name] for name in RENDERED_FIELDS}
            )
        count += 1
    return count
