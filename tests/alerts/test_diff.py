"""diff_snapshots is a pure function: these tests build snapshots by hand and use no database."""

import copy
import json
import re

from django.template.loader import render_to_string

from alerts.diff import WORD_DIFF_LIMIT, diff_snapshots, word_diff


def make_snapshot(**changes):
    """A complete snapshot in the shape of alerts.snapshot.build_snapshot."""
    snapshot = {
        "schema": 1,
        "id": 7,
        "slug": "alert",
        "title": "Genocide Warning: Armenia and Azerbaijan",
        "level": 2,
        "level_label": "Genocide Warning",
        "issued_on": "2020-11-01",
        "summary": "Forces attacked villages in the region [1].",
        "background": "A long conflict [2].",
        "legal_analysis": "The convention applies [1].",
        "assessment": "The risk is high.",
        "countries": [
            {"slug": "armenia", "name": "Armenia", "iso_code": "AM", "region": ""},
            {"slug": "azerbaijan", "name": "Azerbaijan", "iso_code": "AZ", "region": ""},
        ],
        "ratings": [
            rating("armenia", "Armenia", 8, "Persecution", "Expulsions began [1]."),
            rating("azerbaijan", "Azerbaijan", 10, "Denial", "Officials deny it [2]."),
        ],
        "evidence": [
            evidence(8, "armenia", "Armenia", "Villages emptied [2]."),
            evidence(8, "armenia", "Armenia", "Roads blocked [1]."),
        ],
        "recommendations": [
            {"addressee": "The UN Security Council", "action": "Act now [1]."},
            {"addressee": "The OSCE", "action": "Send monitors."},
        ],
        "citations": [citation(1, "Convention"), citation(2, "Report of the mission")],
    }
    snapshot.update(changes)
    return snapshot


def rating(country, country_name, stage, stage_name, rationale):
    return {
        "country": country,
        "country_name": country_name,
        "stage": stage,
        "stage_name": stage_name,
        "rationale": rationale,
    }


def evidence(stage, country, country_name, text, period="current"):
    return {
        "stage": stage,
        "stage_name": {8: "Persecution", 9: "Extermination"}.get(stage, f"Stage {stage}"),
        "country": country,
        "country_name": country_name,
        "period": period,
        "text": text,
    }


def citation(number, title, locator="art. 2", quote=""):
    return {
        "number": number,
        "locator": locator,
        "quote": quote,
        "source": {
            "id": number,
            "title": title,
            "publisher": "United Nations",
            "url": f"https://example.org/{number}",
            "published_on": "2020-01-01",
            "accessed_on": None,
            "archive_url": "",
        },
    }


def changed_field(diff, key):
    [field] = [f for f in diff["fields"] if f["key"] == key]
    return field


def by_change(items):
    return {(item["change"], item["label"]) for item in items}


def test_identical_snapshots_have_no_changes():
    diff = diff_snapshots(make_snapshot(), make_snapshot())

    assert diff["has_changes"] is False
    assert diff["first_publication"] is False
    assert diff["fields"] == []
    assert all(diff[key] == [] for key in ("ratings", "evidence", "recommendations", "citations"))


def test_a_changed_field_is_listed_with_old_new_and_segments():
    old = make_snapshot()
    new = make_snapshot(
        title="Genocide Emergency: Armenia and Azerbaijan", level_label="Genocide Emergency"
    )

    diff = diff_snapshots(old, new)

    assert [f["key"] for f in diff["fields"]] == ["title", "level_label"]
    title = changed_field(diff, "title")
    assert title["old"] == old["title"]
    assert title["new"] == new["title"]
    assert title["segments"] == [
        ("equal", "Genocide"),
        ("delete", " Warning:"),
        ("insert", " Emergency:"),
        ("equal", " Armenia and Azerbaijan"),
    ]
    assert diff["has_changes"] is True


def test_segments_are_words_not_characters():
    assert word_diff("the quick brown fox jumps", "the slow brown fox leaps") == [
        ("equal", "the"),
        ("delete", " quick"),
        ("insert", " slow"),
        ("equal", " brown fox"),
        ("delete", " jumps"),
        ("insert", " leaps"),
    ]
    # A changed letter replaces the whole word, never part of it.
    assert word_diff("stage eight", "stage eighth") == [
        ("equal", "stage"),
        ("delete", " eight"),
        ("insert", " eighth"),
    ]


def test_segments_rebuild_both_texts():
    old = "Forces attacked villages in the region [1].\n\nThousands fled."
    new = "Forces shelled three villages in the region [1].\n\nThousands fled to Armenia."
    segments = word_diff(old, new)

    assert "".join(t for op, t in segments if op != "insert") == old
    assert "".join(t for op, t in segments if op != "delete") == new
    # Punctuation belongs to its word: "fled." became "fled to Armenia.".
    assert segments[-2:] == [("delete", " fled."), ("insert", " fled to Armenia.")]


def test_a_new_paragraph_is_a_change_but_a_doubled_space_is_not():
    assert (
        diff_snapshots(make_snapshot(), make_snapshot(assessment="The  risk is high."))[
            "has_changes"
        ]
        is False
    )
    diff = diff_snapshots(make_snapshot(), make_snapshot(assessment="The risk\n\nis high."))
    assert changed_field(diff, "assessment")["segments"] == [
        ("equal", "The risk"),
        ("delete", " is"),
        ("insert", "\n\nis"),
        ("equal", " high."),
    ]


def test_countries_are_compared_by_name():
    new = make_snapshot()
    new["countries"].insert(1, {"slug": "artsakh", "name": "Artsakh", "iso_code": "", "region": ""})

    field = changed_field(diff_snapshots(make_snapshot(), new), "countries")

    assert field["old"] == "Armenia, Azerbaijan"
    assert field["new"] == "Armenia, Artsakh, Azerbaijan"
    assert ("insert", " Artsakh,") in field["segments"]


def test_ratings_added_removed_and_changed_are_keyed_by_country_and_stage():
    new = make_snapshot()
    new["ratings"] = [
        rating("armenia", "Armenia", 8, "Persecution", "Expulsions and killings began [1]."),
        rating("armenia", "Armenia", 9, "Extermination", "Massacres [2]."),
        # Azerbaijan, stage 10 removed
    ]

    diff = diff_snapshots(make_snapshot(), new)

    assert by_change(diff["ratings"]) == {
        ("changed", "Armenia, stage 8 (Persecution)"),
        ("added", "Armenia, stage 9 (Extermination)"),
        ("removed", "Azerbaijan, stage 10 (Denial)"),
    }
    changed = next(r for r in diff["ratings"] if r["change"] == "changed")
    [rationale] = changed["fields"]
    assert rationale["key"] == "rationale"
    assert ("insert", " and killings") in rationale["segments"]
    added = next(r for r in diff["ratings"] if r["change"] == "added")
    assert {f["key"]: f["segments"] for f in added["fields"]}["rationale"] == [
        ("insert", "Massacres [2].")
    ]
    removed = next(r for r in diff["ratings"] if r["change"] == "removed")
    assert {f["key"]: f["segments"] for f in removed["fields"]}["rationale"] == [
        ("delete", "Officials deny it [2].")
    ]


def test_evidence_is_keyed_by_stage_country_and_ordinal():
    new = make_snapshot()
    new["evidence"][1] = evidence(8, "armenia", "Armenia", "Roads and airports blocked [1].")
    new["evidence"].append(evidence(9, None, None, "Mass graves found [2]."))

    diff = diff_snapshots(make_snapshot(), new)

    assert by_change(diff["evidence"]) == {
        ("changed", "Stage 8 (Persecution), Armenia, item 2"),
        ("added", "Stage 9 (Extermination), item 1"),
    }


def test_recommendations_are_keyed_by_position():
    new = make_snapshot()
    new["recommendations"] = [
        {"addressee": "The UN Security Council", "action": "Act now [1]."},
        {"addressee": "The OSCE Minsk Group", "action": "Send monitors."},
        {"addressee": "Donors", "action": "Fund shelters."},
    ]

    diff = diff_snapshots(make_snapshot(), new)

    assert by_change(diff["recommendations"]) == {
        ("changed", "Recommendation 2: The OSCE Minsk Group"),
        ("added", "Recommendation 3: Donors"),
    }
    changed = diff["recommendations"][0]
    assert [f["key"] for f in changed["fields"]] == ["addressee"]


def test_citation_source_change_is_shown_field_by_field():
    new = make_snapshot()
    new["citations"][1] = copy.deepcopy(new["citations"][1])
    new["citations"][1]["source"]["title"] = "Final report of the mission"
    new["citations"][1]["source"]["url"] = "https://example.org/final"
    new["citations"][1]["locator"] = "para. 12"

    diff = diff_snapshots(make_snapshot(), new)

    [item] = diff["citations"]
    assert item["change"] == "changed"
    assert item["label"] == "[2] Final report of the mission"
    assert {f["key"]: (f["old"], f["new"]) for f in item["fields"]} == {
        "locator": ("art. 2", "para. 12"),
        "source.title": ("Report of the mission", "Final report of the mission"),
        "source.url": ("https://example.org/2", "https://example.org/final"),
    }


def test_removed_citation():
    new = make_snapshot(citations=[citation(1, "Convention")])

    [item] = diff_snapshots(make_snapshot(), new)["citations"]

    assert (item["change"], item["label"]) == ("removed", "[2] Report of the mission")


def test_first_publication_shows_everything_as_added():
    new = make_snapshot()

    diff = diff_snapshots(None, new)

    assert diff["first_publication"] is True
    assert diff["has_changes"] is True
    assert changed_field(diff, "title")["segments"] == [("insert", new["title"])]
    assert {f["key"] for f in diff["fields"]} == {
        "title",
        "level_label",
        "issued_on",
        "countries",
        "summary",
        "background",
        "legal_analysis",
        "assessment",
    }
    for key in ("ratings", "evidence", "recommendations", "citations"):
        assert len(diff[key]) == len(new[key])
        assert {item["change"] for item in diff[key]} == {"added"}
        for item in diff[key]:
            assert all(op == "insert" for f in item["fields"] for op, _ in f["segments"])


def test_the_result_is_plain_data():
    diff = diff_snapshots(make_snapshot(), make_snapshot(summary="New summary [1]."))
    assert json.loads(json.dumps(diff))["fields"][0]["key"] == "summary"


def test_inputs_are_not_modified():
    old, new = make_snapshot(), make_snapshot(title="Other")
    old_copy, new_copy = copy.deepcopy(old), copy.deepcopy(new)
    diff_snapshots(old, new)
    assert (old, new) == (old_copy, new_copy)


def test_template_renders_side_by_side_and_escapes_snapshot_text():
    new = make_snapshot(
        summary='Forces <script>alert("x")</script> attacked villages in the region [1].'
    )
    new["ratings"][0] = rating("armenia", "Armenia", 8, "Persecution", "<b>Expulsions</b> [1].")

    html = render_to_string("alerts/diff.html", {"diff": diff_snapshots(make_snapshot(), new)})

    assert "<script>" not in html
    assert "<b>Expulsions</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<ins> &lt;script&gt;" in html
    # (Each cell names its side in data-label, for the stacked layout on phones.)
    assert re.search(r'<td class="diff-old" data-label="[^"]*">Forces attacked villages', html)
    assert "<del>Expulsions began</del>" in html or "<del>Expulsions" in html
    assert "Stage determinations" in html


def test_template_says_first_publication_and_no_changes():
    first = render_to_string("alerts/diff.html", {"diff": diff_snapshots(None, make_snapshot())})
    assert "First publication" in first
    same = render_to_string(
        "alerts/diff.html", {"diff": diff_snapshots(make_snapshot(), make_snapshot())}
    )
    assert "No changes" in same


def table(rows, *, changed=(), inserted=None):
    lines = ["| Place | Deaths | Date |", "|---|---|---|"]
    for i in range(rows):
        word = "dead" if i in changed else "killed"
        lines.append(f"| Village {i} | {i * 3} {word} | 2020-10-{i % 28 + 1:02d} |")
        if inserted is not None and i == inserted:
            lines.append("| A new village | 7 killed | 2020-11-01 |")
    return "\n".join(lines)


def test_a_long_table_is_diffed_row_by_row_then_word_by_word():
    """Beyond WORD_DIFF_LIMIT words the diff goes by lines first (bench/diff.py times it)."""
    old = table(4000)
    new = table(4000, changed={10, 2500}, inserted=3000)
    assert len(old.split()) > WORD_DIFF_LIMIT

    segments = word_diff(old, new)

    assert "".join(t for op, t in segments if op != "insert") == old
    assert "".join(t for op, t in segments if op != "delete") == new
    changes = [(op, t) for op, t in segments if op != "equal"]
    # Only the changed words and the new row, not the table.
    assert ("delete", " killed") in changes
    assert ("insert", " dead") in changes
    assert any("A new village" in t for op, t in changes if op == "insert")
    assert sum(len(t) for _, t in changes) < 200


def test_a_long_run_of_identical_rows_still_diffs_correctly():
    old = "\n".join(["| x | y |"] * 4000)
    new = "\n".join(["| x | y |"] * 2000 + ["| z | y |"] + ["| x | y |"] * 2000)
    segments = word_diff(old, new)
    assert "".join(t for op, t in segments if op != "insert") == old
    assert "".join(t for op, t in segments if op != "delete") == new
