"""The list's filter widgets render what Django's own would, only faster."""

import pytest
from django import forms
from django.test.html import parse_html

from alerts.filters import Select

CHOICES = [("", "Any country"), ("a&b", "A <b>"), ("x", 'X "quoted"')]


@pytest.mark.parametrize("value", [None, "", "x", "a&b", "not-a-choice"])
def test_the_select_renders_the_same_markup_as_djangos(value):
    attrs = {"id": "id_country", "aria-describedby": "id_country-errors", "required": True}
    ours = Select(choices=CHOICES).render("country", value, attrs)
    djangos = forms.Select(choices=CHOICES).render("country", value, attrs)

    assert parse_html(ours) == parse_html(djangos)
    assert "<b>" not in ours  # labels are escaped


@pytest.mark.parametrize(
    ("name", "view"), [("country_url", "public:country_detail"), ("alert_url", "public:alert_detail")]
)
def test_url_filters_give_what_reversing_gives(name, view):
    from django.urls import reverse

    from alerts.templatetags import public_tags

    for slug in ("armenia", "synthetic-country-001", "a_b-9"):
        assert getattr(public_tags, name)(slug) == reverse(view, args=[slug])
