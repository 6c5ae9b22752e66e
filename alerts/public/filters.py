"""The public alert list's filters (django-filter). State lives in the query string.

Country and stage are choice filters whose choices are read once per request (one
query for both), so validating a chosen value costs no further query. Together they
mean "this country was determined to be at this stage in this publication": both
conditions apply to the same determination row.
"""

import datetime

import django_filters
from django import forms
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Cast
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from stages.models import Stage

from ..models import Level, PublishedDetermination
from . import queries, search


class Select(forms.Select):
    """A select whose options are formatted in Python.

    Django renders every <option> through a template: for the 200 countries that
    was half of the list page's CPU (27 of 49 ms of rendering at 100,000 alerts),
    and format_html, which wraps each value, still took 7 ms. The markup is the
    same for flat choices (no option groups, which these filters do not have), up
    to attribute order; every value and label is escaped.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = "".join(
            f'<option value="{escape(str(option["value"]))}"'
            f"{flatatt(option['attrs']) if option['attrs'] else ''}>"
            f"{escape(str(option['label']))}</option>"
            for _, group, _ in widget["optgroups"]
            for option in group
        )
        return mark_safe(  # the parts are escaped above and by format_html
            format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))
            + options
            + "</select>"
        )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")

    def format_value(self, value):
        """The value as a date input takes it (YYYY-MM-DD), or none.

        A date input's value must be a valid date: what a reader mistyped ("not-a-date")
        is invalid HTML, and the browser would drop it anyway. The error message
        beside the field says what was wrong."""
        value = super().format_value(value)
        if isinstance(value, str):
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                return None
        return value


def filter_choices():
    """The country and stage choices, and each country slug's id, read in one query
    (a UNION of the two lists).

    The list page's query budget is small: one query is the page cache's key, and
    reading these two lists separately would cost one more.
    """
    countries = (
        queries.live_countries()
        .order_by()
        .annotate(kind=Value("country"), key=F("public_slug"), label=F("public_name"))
        .values_list("kind", "key", "label", "pk")
    )
    stages = (
        Stage.objects.order_by()
        .annotate(kind=Value("stage"), key=Cast("number", CharField()), label=F("name"))
        .values_list("kind", "key", "label", "pk")
    )
    # Stages first: Django cannot compile a UNION whose first part selects a
    # subquery (the countries' recorded names), while a later part may.
    rows = list(stages.union(countries, all=True))
    country_rows = sorted((r for r in rows if r[0] == "country"), key=lambda r: r[2])
    stage_rows = sorted((r for r in rows if r[0] == "stage"), key=lambda r: int(r[1]))
    return (
        [(key, name) for _, key, name, _ in country_rows],
        [(key, f"{key}. {name}") for _, key, name, _ in stage_rows],
        {key: pk for _, key, _, pk in country_rows},
    )


class AlertFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search text", method="filter_none", max_length=search.MAX_QUERY_LENGTH
    )
    country = django_filters.ChoiceFilter(
        label="Country",
        choices=(),
        method="filter_none",
        empty_label="Any country",
        widget=Select,
    )
    level = django_filters.ChoiceFilter(
        label="Alert level",
        choices=[(str(value), label) for value, label in Level.choices],
        empty_label="Any level",
        widget=Select,
    )
    stage = django_filters.ChoiceFilter(
        label="Stage", choices=(), method="filter_none", empty_label="Any stage", widget=Select
    )
    issued_after = django_filters.DateFilter(
        label="Issued on or after", field_name="issued_on", lookup_expr="gte", widget=DateInput
    )
    issued_before = django_filters.DateFilter(
        label="Issued on or before", field_name="issued_on", lookup_expr="lte", widget=DateInput
    )

    def __init__(self, *args, **kwargs):
        """``queryset`` is ``queries.live_alerts()``: publications."""
        super().__init__(*args, **kwargs)
        # Read each list of choices once: a callable would be called again by
        # validation and by rendering, one query each time.
        countries, stages, self.country_ids = filter_choices()
        self.filters["country"].extra["choices"] = countries
        self.filters["stage"].extra["choices"] = stages

    def filter_none(self, queryset, name, value):
        return queryset  # applied in filter_queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        country = self.form.cleaned_data.get("country")
        stage = self.form.cleaned_data.get("stage")
        if country or stage:
            # Both: the same determination rates the country at the stage.
            rated = PublishedDetermination.objects.filter(publication=OuterRef("pk"))
            if country:
                rated = rated.filter(country_id=self.country_ids[country])
            if stage:
                rated = rated.filter(stage_id=int(stage))
            queryset = queryset.filter(Exists(rated))
        # Last: search ranks (at most about search.RANKED_MATCHES of) what the others leave.
        return search.search(queryset, self.form.cleaned_data.get("q"))

    @property
    def searched(self):
        """True when the rows are a search's (at most about search.RANKED_MATCHES)."""
        return self.is_valid() and search.has_terms(self.form.cleaned_data.get("q"))

    def search_capped(self, count):
        """True when a search matched more alerts than it ranked (its ``count`` says)."""
        return self.searched and search.capped(count)

    @property
    def active(self):
        """True when any filter is set (so an empty result is the filters' doing)."""
        return self.is_bound and any(self.form.cleaned_data.get(name) for name in self.filters)
