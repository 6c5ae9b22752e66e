"""Template helpers for the public pages' own markup (not the stored alert content).

Kept apart from public_tags, whose source is part of the content renderer's digest
(alerts/rendering.py): changing these must not make every publication render again.
"""

import functools
import html
from urllib.parse import quote

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, timezone
from django.utils.safestring import mark_safe

register = template.Library()


# Reversing a URL costs about 50 µs, and the pages listing 200 countries did it 400
# times. These fill in a pattern reversed once (per script prefix and URLconf) instead.
_SLUG = "slug-to-fill-in"


@functools.lru_cache(maxsize=32)
def _pattern(view_name, script_prefix, urlconf):
    return reverse(view_name, args=[_SLUG], urlconf=urlconf)


def _urls(view_name):
    """A function from slug to URL, for many URLs of one view."""
    pattern = _pattern(view_name, get_script_prefix(), get_urlconf())
    return lambda slug: pattern.replace(_SLUG, quote(str(slug), safe=""), 1)


def _url(view_name, slug):
    return _urls(view_name)(slug)


_NUMBER = 918273645


@functools.lru_cache(maxsize=32)
def _version_pattern(script_prefix, urlconf):
    return reverse("public:alert_version", args=[_SLUG, _NUMBER], urlconf=urlconf)


def _version_url(slug, number):
    """What {% url 'public:alert_version' slug number %} gives."""
    pattern = _version_pattern(get_script_prefix(), get_urlconf())
    # The number first: a slug may hold the placeholder number's digits.
    return pattern.replace(str(_NUMBER), str(int(number)), 1).replace(
        _SLUG, quote(str(slug), safe=""), 1
    )


def _machine(moment):
    """``moment`` for a ``datetime`` attribute: ISO 8601 in local time, to the second.

    HTML allows at most three digits of a second's fraction; Python's isoformat()
    writes six whenever there are microseconds, which the HTML checker rejects.
    """
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def _time(moment):
    """A <time> element with the date, as the templates write it."""
    return (
        f'<time datetime="{html.escape(_machine(moment))}">'
        f"{html.escape(dateformat.format(timezone.localtime(moment), DATE_FORMAT))}</time>"
    )


# The one way a public page writes a date for people: "1 November 2020".
DATE_FORMAT = "j F Y"


@register.filter
def iso(moment):
    """A datetime as a ``<time datetime>`` value (``_machine``); "" for None."""
    return _machine(moment) if moment else ""


@register.filter
def country_url(slug):
    """The public page of the country ``slug`` (what {% url 'public:country_detail' %} gives)."""
    return _url("public:country_detail", slug)


@register.filter
def alert_url(slug):
    """The public page of the alert ``slug`` (what {% url 'public:alert_detail' %} gives)."""
    return _url("public:alert_detail", slug)


# How a country's last change moved it (queries.CurrentDetermination.direction).
CHANGE_WORDS = {
    "first": "First determined",
    "raised": "Raised",
    "lowered": "Lowered",
    "changed": "Changed",
}


@register.simple_tag
def determination_rows(determinations, show_changed=False):
    """The rows of public/_determination_table.html: one per country.

    Formatted here, not in the template: 200 countries with their stages were
    about a thousand template loops, and the template engine's per-value lookups and
    number localisation made that two thirds of the home page's and /countries/'
    time (format_html, too, costs more than the string work itself). The markup is
    what the template would write; every value is escaped with html.escape, as
    Django's own escape does.
    """
    esc = html.escape
    to_country, to_alert = _urls("public:country_detail"), _urls("public:alert_detail")
    rows = []
    for current in determinations:
        stages = "".join(
            f'<li><span class="stage-badge stage-{s.number:d}">{s.number:d}</span> '
            f"{esc(str(s.name))}</li>"
            for s in current.stages
        )
        changed = ""
        if show_changed:
            when = timezone.localtime(current.changed_at) if current.changed_at else None
            moved = CHANGE_WORDS.get(current.direction, "")
            changed = (
                '<td data-label="Last changed">'
                + (
                    f'<span class="change change-{current.direction}">{moved}</span> '
                    if moved
                    else ""
                )
                + (
                    ("on or before " if moved else "On or before ")
                    if current.changed_at_or_before
                    else ("on " if moved else "")
                )
                + f'<time datetime="{esc(_machine(when)) if when else ""}">'
                + (esc(dateformat.format(when, DATE_FORMAT)) if when else "")
                + "</time></td>"
            )
        rows.append(
            f'<tr><th scope="row"><a href="{esc(to_country(current.country.slug))}">'
            f"{esc(str(current.country.name))}</a></th>"
            f'<td data-label="Current stages"><ul class="stage-list">{stages}</ul></td>'
            f'<td data-label="Determined in">'
            f'<a href="{esc(to_alert(current.alert_slug))}">{esc(str(current.alert_title))}</a>'
            f"</td>{changed}</tr>"
        )
    return mark_safe("\n".join(rows))  # every value above is escaped


@register.filter
def country_links(countries):
    """Links to the countries' public pages, separated by commas.

    The stages page lists each country once per stage it is at: with 200 countries,
    over a thousand links, whose template loop was most of that page's time.
    """
    esc, url = html.escape, _urls("public:country_detail")
    return mark_safe(  # every value is escaped
        ", ".join(f'<a href="{esc(url(c.slug))}">{esc(str(c.name))}</a>' for c in countries)
    )


@register.simple_tag
def history_rows(runs):
    """The rows of a country page's stage-history table: one per run of unchanged
    stages, with the version that set them and how many confirmed them.

    Formatted here, not in the template, like ``determination_rows``: a long history
    has about seventy runs, and their links and dates through the template engine
    took 25 ms of the page. Every value is escaped.
    """
    esc = html.escape
    rows = []
    for run in runs:
        confirmed = (
            f"{run.count:d} publications, the latest on {_time(run.last.go_live_at)}"
            if run.count > 1
            else "1 publication"
        )
        rows.append(
            f'<tr><th scope="row">{_time(run.go_live_at)}</th>'
            f'<td data-label="Stages">{esc(", ".join(str(s) for s in run.stages))}</td>'
            f'<td data-label="Determined in">'
            f'<a href="{esc(_version_url(run.first.alert_slug, run.first.number))}">'
            f"{esc(str(run.first.alert_title))}, version {int(run.first.number):d}</a></td>"
            f'<td data-label="Confirmed by">{confirmed}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # every value above is escaped


@register.filter
def stage_numbers(stages):
    """Stages (Stage objects or numbers) as words, ascending: "stage 8",
    "stages 9 and 10", "stages 3, 5 and 8"."""
    numbers = sorted(getattr(s, "number", s) for s in stages or ())
    if not numbers:
        return ""
    if len(numbers) == 1:
        return f"stage {numbers[0]:d}"
    head = ", ".join(str(int(n)) for n in numbers[:-1])
    return f"stages {head} and {int(numbers[-1]):d}"
