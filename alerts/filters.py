"""The public alert list's filters (django-filter). State lives in the query string.

Country and stage are choice filters whose choices are read once per request (one
query each), so validating a chosen value costs no further query. Together they
mean "this country was determined to be at this stage in this publication": both
conditions apply to the same determination row.
"""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef

from stages.models import Stage

from . import public_data, search
from .models import Level, PublishedDetermination


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def country_choices():
    return [(c.slug, c.name) for c in public_data.live_countries().only("slug", "name")]


def stage_choices():
    return [(str(s.number), f"{s.number}. {s.name}") for s in Stage.objects.all()]


class AlertFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search text", method="filter_text", max_length=search.MAX_QUERY_LENGTH
    )
    country = django_filters.ChoiceFilter(
        label="Country", choices=(), method="filter_none", empty_label="Any country"
    )
    level = django_filters.ChoiceFilter(
        label="Alert level",
        choices=[(str(value), label) for value, label in Level.choices],
        empty_label="Any level",
    )
    stage = django_filters.ChoiceFilter(
        label="Stage", choices=(), method="filter_none", empty_label="Any stage"
    )
    issued_after = django_filters.DateFilter(
        label="Issued on or after", field_name="issued_on", lookup_expr="gte", widget=DateInput
    )
    issued_before = django_filters.DateFilter(
        label="Issued on or before", field_name="issued_on", lookup_expr="lte", widget=DateInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read each list of choices once: a callable would be called again by
        # validation and by rendering, one query each time.
        self.filters["country"].extra["choices"] = country_choices()
        self.filters["stage"].extra["choices"] = stage_choices()

    def filter_none(self, queryset, name, value):
        return queryset  # applied together in filter_queryset

    def filter_text(self, queryset, name, value):
        return search.search(queryset, value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        country = self.form.cleaned_data.get("country")
        stage = self.form.cleaned_data.get("stage")
        if country or stage:
            rows = PublishedDetermination.objects.filter(publication=OuterRef("pk"))
            if country:
                rows = rows.filter(country__slug=country)
            if stage:
                rows = rows.filter(stage_id=int(stage))
            queryset = queryset.filter(Exists(rows))
        return queryset

    @property
    def active(self):
        """True when any filter is set (so an empty result is the filters' doing)."""
        return self.is_bound and any(self.form.cleaned_data.get(name) for name in self.filters)
