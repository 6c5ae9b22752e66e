import pytest

from alerts.text import dangling_markers, find_markers, render_markdown
from tests.inert import active_content


@pytest.mark.parametrize(
    ("text", "markers"),
    [
        ("Plain [1] and again [1], then [3].", [1, 3]),
        ("Two at once [2][3].", [2, 3]),
        ("A link [4](https://example.org) is not a marker.", []),
        ("An image ![5] and an escaped \\[6] are not markers.", []),
        ("", []),
    ],
)
def test_markers_are_found_in_order(text, markers):
    assert find_markers(text) == markers


def test_dangling_markers_name_the_field_and_the_marker():
    problems = dangling_markers({"Background": "ok [1], missing [4]", "Summary": "[2]"}, {1, 2})
    assert problems == [("Background", 4)]


def test_markers_become_footnote_links_with_unique_anchors():
    env = {"citations": {1}}
    first = render_markdown("One [1].", env)
    second = render_markdown("Again [1].", env)

    assert 'id="cite-1-1"' in first
    assert 'href="#ref-1"' in first
    assert 'id="cite-1-2"' in second
    assert env["backrefs"] == {1: ["cite-1-1", "cite-1-2"]}


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://example.org></iframe>",
        '<svg onload="alert(1)">',
        "<style>body{display:none}</style>",
        '"><script>alert(1)</script>',
    ],
)
def test_hostile_markup_is_inert(hostile):
    html = render_markdown(hostile)
    assert active_content(html) == []


def test_the_inertness_check_itself_sees_active_markup():
    assert active_content('<p><a href="javascript:x">a</a><img src=x onerror=y></p>') == [
        "href='javascript:x' on <a>",
        "<img> element",
        "onerror= on <img>",
    ]
