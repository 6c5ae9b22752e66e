"""Markup formatted in Python for speed is the markup Django's templates would write."""

import datetime

import pytest
from django import forms
from django.template import Context, Template
from django.test.html import parse_html
from django.urls import reverse

from alerts.public import charts
from alerts.public.filters import Select
from alerts.public.queries import CurrentDetermination, HistoryPoint, history_runs
from alerts.templatetags import page_tags
from stages.models import Country, Stage

CHOICES = [("", "Any country"), ("a&b", "A <b>"), ("x", 'X "quoted"')]


@pytest.mark.parametrize("value", [None, "", "x", "a&b", "not-a-choice"])
def test_the_select_renders_the_same_markup_as_djangos(value):
    attrs = {"id": "id_country", "aria-describedby": "id_country-errors", "required": True}
    ours = Select(choices=CHOICES).render("country", value, attrs)
    djangos = forms.Select(choices=CHOICES).render("country", value, attrs)

    assert parse_html(ours) == parse_html(djangos)
    assert "<b>" not in ours  # labels are escaped


@pytest.mark.parametrize(
    ("name", "view"),
    [("country_url", "public:country_detail"), ("alert_url", "public:alert_detail")],
)
def test_url_filters_give_what_reversing_gives(name, view):
    for slug in ("armenia", "synthetic-country-001", "a_b-9"):
        assert getattr(page_tags, name)(slug) == reverse(view, args=[slug])


# The table rows as a template would write them (determination_rows). The cells carry
# their column's name (data-label) for the stacked layout on phones; datetime values
# are to the second (page_tags.iso: HTML allows no six-digit fractions).
ROWS_TEMPLATE = """
{% load page_tags %}
{% for current in determinations %}
  <tr>
    <th scope="row">
      <a href="{% url 'public:country_detail' current.country.slug %}">{{ current.country.name }}</a>
    </th>
    <td data-label="Current stages">
      <ul class="stage-list">
        {% for stage in current.stages %}
          <li>
            <span class="stage-badge stage-{{ stage.number }}">{{ stage.number }}</span> {{ stage.name }}
          </li>
        {% endfor %}
      </ul>
    </td>
    <td data-label="Determined in">
      <a href="{% url 'public:alert_detail' current.alert_slug %}">{{ current.alert_title }}</a>
    </td>
    {% if show_changed %}
      <td data-label="Last changed">
        {% if current.direction %}
          <span class="change change-{{ current.direction }}">{% if current.direction == "first" %}First determined{% else %}{{ current.direction|capfirst }}{% endif %}</span>
          {% if current.changed_at_or_before %}on or before{% else %}on{% endif %}
        {% elif current.changed_at_or_before %}
          On or before
        {% endif %}
        <time datetime="{{ current.changed_at|iso }}">{{ current.changed_at|date:"j F Y" }}</time>
      </td>
    {% endif %}
  </tr>
{% endfor %}
"""


@pytest.mark.parametrize("show_changed", [False, True])
def test_determination_rows_are_what_the_template_wrote(show_changed):
    when = datetime.datetime(2024, 3, 5, 23, 30, 12, 345678, tzinfo=datetime.UTC)
    determinations = [
        CurrentDetermination(
            country=Country(name=name, slug=slug),
            stages=[Stage(number=n, name=f"Stage <{n}>") for n in stages],
            alert_slug="an-alert",
            alert_title='Alert & "title"',
            changed_at=when,
            changed_at_or_before=before,
            previous_stages=previous,
        )
        for name, slug, stages, before, previous in [
            ("Côte d'Ivoire", "cote-divoire", [10, 3], False, [8]),
            ("Armenia", "armenia", [8], True, None),
            ("Ruritania", "ruritania", [5], False, []),
            ("Freedonia", "freedonia", [4], False, [6, 2]),
            ("Sylvania", "sylvania", [9, 2], False, [9]),
        ]
    ]
    context = {"determinations": determinations, "show_changed": show_changed}

    ours = page_tags.determination_rows(determinations, show_changed)
    templates = Template(ROWS_TEMPLATE).render(Context(context))

    assert parse_html(ours) == parse_html(templates)
    if show_changed:
        assert "2024-03-05T23:30:12+00:00" in ours  # no fraction of a second
        assert [d.direction for d in determinations] == [
            "raised",
            None,
            "first",
            "lowered",
            "changed",
        ]


# The stages page's links as its template wrote them before country_links.
LINKS_TEMPLATE = """
{% for country in countries %}
  <a href="{% url 'public:country_detail' country.slug %}">{{ country.name }}</a>{% if not forloop.last %},{% endif %}
{% endfor %}
"""


@pytest.mark.parametrize("count", [0, 1, 3])
def test_country_links_are_what_the_template_wrote(count):
    countries = [
        Country(name=name, slug=slug)
        for name, slug in [("Côte d'Ivoire", "cote-divoire"), ("A <b> & c", "a-b-c"), ("Z", "z")]
    ][:count]

    ours = page_tags.country_links(countries)
    templates = Template(LINKS_TEMPLATE).render(Context({"countries": countries}))

    assert parse_html(ours) == parse_html(templates)
    assert "<b>" not in ours


# A country page's history rows as its template wrote them before history_rows.
HISTORY_TEMPLATE = """
{% load page_tags %}
{% for run in runs %}
  <tr>
    <th scope="row">
      <time datetime="{{ run.go_live_at|iso }}">{{ run.go_live_at|date:"j F Y" }}</time>
    </th>
    <td data-label="Stages">{{ run.stages|join:", " }}</td>
    <td data-label="Determined in">
      <a href="{% url 'public:alert_version' run.first.alert_slug run.first.number %}">{{ run.first.alert_title }}, version {{ run.first.number }}</a>
    </td>
    <td data-label="Confirmed by">
      {% if run.count > 1 %}
        {{ run.count }} publications, the latest on
        <time datetime="{{ run.last.go_live_at|iso }}">{{ run.last.go_live_at|date:"j F Y" }}</time>
      {% else %}
        1 publication
      {% endif %}
    </td>
  </tr>
{% endfor %}
"""


def test_history_rows_are_what_the_template_wrote():
    def point(day, slug, title, number, stages):
        return HistoryPoint(
            go_live_at=datetime.datetime(2024, 3, day, 23, 30, tzinfo=datetime.UTC),
            publication_id=day,
            alert_slug=slug,
            alert_title=title,
            number=number,
            change_kind="update",
            stages=stages,
        )

    runs = history_runs(
        [
            point(1, "an-alert", 'Alert & "title" <b>', 1, [3, 8]),
            point(2, "an-alert", 'Alert & "title" <b>', 2, [3, 8]),
            point(3, "other_alert-9", "Other", 12, [10]),
        ]
    )

    ours = page_tags.history_rows(runs)
    templates = Template(HISTORY_TEMPLATE).render(Context({"runs": runs}))

    assert parse_html(ours) == parse_html(templates)
    assert "<b>" not in ours


# The chart's markers as its template wrote them before charts.marker_elements.
MARKERS_TEMPLATE = """
{% for marker in markers %}
  <circle cx="{{ marker.x }}" cy="{{ marker.y }}" r="{% if marker.highest %}6{% else %}4.5{% endif %}" fill="{% if marker.highest %}#8b0000{% else %}#fff{% endif %}" stroke="#8b0000" stroke-width="2" class="marker">
    <title>{{ marker.label }}</title>
  </circle>
{% endfor %}
"""


def test_chart_markers_are_what_the_template_wrote():
    markers = [
        {"x": "36.0", "y": "14.0", "highest": True, "label": 'Stage 10 (<b> & "x")'},
        {"x": "120.5", "y": "190.4", "highest": False, "label": "Stage 3"},
    ]

    ours = charts.marker_elements(markers)
    templates = Template(MARKERS_TEMPLATE).render(Context({"markers": markers}))

    assert parse_html(ours) == parse_html(templates)
    assert "<b>" not in ours


def test_version_urls_give_what_reversing_gives():
    for slug, number in (("an-alert", 1), ("a-918273645-b", 12), ("x_9", 918273645)):
        assert page_tags._version_url(slug, number) == reverse(
            "public:alert_version", args=[slug, number]
        )
