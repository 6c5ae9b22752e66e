"""What stages/ owns: the ten stages, and countries (territories without a code too)."""

import pytest
from django.db import IntegrityError

from stages.models import Country, Stage

pytestmark = pytest.mark.django_db


def test_migrating_creates_the_ten_stages_in_order():
    stages = list(Stage.objects.values_list("number", "name"))
    assert [number for number, _ in stages] == list(range(1, 11))
    assert stages[0] == (1, "Classification")
    assert stages[-1] == (10, "Denial")
    assert all(stage.definition for stage in Stage.objects.all())


def test_a_territory_without_an_iso_code_is_a_country_too():
    Country.objects.create(name="Artsakh", slug="artsakh", iso_code="")
    Country.objects.create(name="Another territory", slug="another-territory", iso_code="")
    assert Country.objects.filter(iso_code="").count() == 2


def test_an_iso_code_is_stored_upper_case_and_unique_where_given():
    armenia = Country.objects.create(name="Armenia", slug="armenia", iso_code=" am ")
    assert Country.objects.get(pk=armenia.pk).iso_code == "AM"
    with pytest.raises(IntegrityError):
        Country.objects.create(name="Armenia again", slug="armenia-again", iso_code="AM")


def test_stages_know_nothing_of_alerts():
    """stages/ is a leaf: alerts depends on it, never the other way round."""
    import pathlib

    app = pathlib.Path(__file__).resolve().parents[2] / "stages"
    imports = [
        line
        for path in app.rglob("*.py")
        for line in path.read_text().splitlines()
        if line.startswith(("import ", "from ")) or '"alerts.' in line or "'alerts" in line
    ]
    assert [line for line in imports if "alerts" in line] == []
