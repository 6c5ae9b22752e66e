import json

from alerts.snapshot import SCHEMA, build_snapshot, snapshot_hash
from tests.builders import make_alert


def test_snapshot_is_plain_json_with_schema_and_every_child(alert):
    snapshot = build_snapshot(alert)

    assert json.loads(json.dumps(snapshot)) == snapshot
    assert snapshot["schema"] == SCHEMA
    assert snapshot["title"] == "Emergency in the Caucasus"
    assert [c["name"] for c in snapshot["countries"]] == ["Armenia", "Azerbaijan"]
    assert [(r["country_name"], r["stage"]) for r in snapshot["ratings"]] == [
        ("Armenia", 8),
        ("Azerbaijan", 9),
        ("Azerbaijan", 10),
    ]
    assert [c["number"] for c in snapshot["citations"]] == [1, 2]
    assert snapshot["citations"][0]["source"]["url"].startswith("https://")
    assert snapshot["recommendations"][0]["addressee"] == "The UN Security Council"
    assert snapshot["evidence"][0]["stage"] == 8


def test_snapshot_copies_source_fields_so_later_source_edits_do_not_change_it(alert):
    snapshot = build_snapshot(alert)
    source = alert.citations.get(number=1).source
    source.title = "Renamed afterwards"
    source.save()

    assert snapshot["citations"][0]["source"]["title"] != "Renamed afterwards"
    assert build_snapshot(alert)["citations"][0]["source"]["title"] == "Renamed afterwards"


def test_hash_is_stable_and_changes_with_content(editor):
    alert = make_alert(author=editor)
    first = snapshot_hash(build_snapshot(alert))
    assert snapshot_hash(build_snapshot(alert)) == first

    alert.summary = "A different summary [1]."
    alert.save()
    assert snapshot_hash(build_snapshot(alert)) != first


def test_building_a_snapshot_takes_a_fixed_number_of_queries(editor, django_assert_max_num_queries):
    alert = make_alert(author=editor, countries=("A", "B", "C"), ratings={"A": [1, 2], "C": [3]})
    with django_assert_max_num_queries(6):
        build_snapshot(alert)
