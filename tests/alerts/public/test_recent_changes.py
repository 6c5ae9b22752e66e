"""How each country's determination last moved: raised, lowered, changed or first.

Stored with the country's spans when a publication is written
(CountrySpan.previous_stages, alerts/succession.py), so the home page reads it with the
determinations themselves; the country page works it out from the history it shows.
"""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from alerts import succession
from alerts.models import CountrySpan
from alerts.public import queries
from tests.alerts.public.conftest import publish_alert
from tests.alerts.public.helpers import fetch

pytestmark = pytest.mark.django_db


def current(name):
    return next(d for d in queries.current_determinations() if d.country.name == name)


def changes_section(html):
    return re.search(r'<ol class="recent-changes">.*?</ol>', html, re.S).group(0)


def test_first_then_raised_then_lowered_then_changed(client, editor, publication):
    # The conftest's alert rates Armenia at 8 and Azerbaijan at 9 and 10.
    assert current("Armenia").direction == "first"
    assert current("Armenia").previous_stages == []

    raised = publish_alert(editor, title="Raised", ratings={"Armenia": [9, 8]})
    armenia = current("Armenia")
    assert (armenia.direction, armenia.previous_stages) == ("raised", [8])
    assert armenia.changed_at == raised.go_live_at

    publish_alert(editor, title="Confirmed", ratings={"Armenia": [8, 9]})  # the same stages
    assert current("Armenia").direction == "raised"
    assert current("Armenia").changed_at == raised.go_live_at

    publish_alert(editor, title="Lowered", ratings={"Armenia": [5]})
    assert (current("Armenia").direction, current("Armenia").previous_stages) == (
        "lowered",
        [9, 8],
    )

    publish_alert(editor, title="Changed", ratings={"Armenia": [5, 2]})
    assert (current("Armenia").direction, current("Armenia").previous_stages) == ("changed", [5])

    cache.clear()
    home = changes_section(fetch(client, reverse("public:home")))
    # Armenia changed last, so it comes first; Azerbaijan's first determination after it.
    assert home.index("Armenia") < home.index("Azerbaijan")
    assert "Changed</span> to stages 2 and 5 from stage 5" in home
    assert "First determination</span>: stages 9 and 10" in home

    country = fetch(client, reverse("public:country_detail", args=["armenia"]))
    assert "Changed</span> to stages 2 and 5 from stage 5" in country


def test_the_home_page_says_raised_with_the_date(client, editor, publication):
    raised = publish_alert(editor, title="Raised", ratings={"Armenia": [10]})
    home = changes_section(fetch(client, reverse("public:home")))
    assert "Raised</span> to stage 10 from stage 8" in home
    assert f'datetime="{raised.go_live_at.replace(microsecond=0).isoformat()}"' in home


def test_a_change_further_back_than_was_read_has_no_direction(editor, publication, monkeypatch):
    for n in range(3):
        publish_alert(editor, title=f"Confirmed {n}", ratings={"Armenia": [8]})
    monkeypatch.setattr(queries, "CHANGED_AT_ROWS", 2)
    succession.rebuild_all()
    armenia = current("Armenia")
    assert armenia.changed_at_or_before
    assert armenia.previous_stages is None
    assert armenia.direction is None


def test_rows_written_before_the_column_show_no_direction(client, editor, publication):
    CountrySpan.objects.update(previous_stages=None)
    assert current("Armenia").direction is None
    cache.clear()
    html = fetch(client, reverse("public:home"))
    assert "Stage 8 since" in changes_section(html)
