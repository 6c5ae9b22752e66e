"""Markdown for editors' text: citation markers, rendering and sanitising.

Editors write Markdown and cite with markers like ``[3]``. Raw HTML is disabled in
the parser, and its output is then cleaned again by nh3 with a small allow-list,
so nothing an editor types can reach a reader as active content.
"""

import re

import nh3
from markdown_it import MarkdownIt

# A marker is [N] not followed by "(" (that would be a Markdown link) and not preceded
# by "!" or "\\" (an image or an escaped bracket). "[2][3]" cites two sources.
MARKER_RE = re.compile(r"(?<![!\\])\[(\d{1,4})\](?!\()")

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h3", "h4", "h5", "h6", "hr", "i",
    "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead",
    "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id", "class"},
    "sup": {"id", "class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def find_markers(text):
    """The footnote numbers cited in ``text``, in order of first appearance."""
    seen = []
    for match in MARKER_RE.finditer(text or ""):
        number = int(match.group(1))
        if number not in seen:
            seen.append(number)
    return seen


def dangling_markers(texts, numbers):
    """Markers citing no footnote: a list of (field label, marker) pairs.

    ``texts`` maps a label an editor will recognise ("Background",
    "Stage rating: Armenia, stage 8") to its text; ``numbers`` is the set of
    footnote numbers the alert has.
    """
    numbers = set(numbers)
    return [
        (label, number)
        for label, text in texts.items()
        for number in find_markers(text)
        if number not in numbers
    ]


def describe_dangling(problems):
    return "; ".join(
        f"{label} cites [{number}], but the alert has no citation {number}"
        for label, number in problems
    )


def _citation_rule(state, silent):
    if state.src[state.pos] != "[":
        return False
    match = MARKER_RE.match(state.src, state.pos)
    if not match or (state.pos > 0 and state.src[state.pos - 1] in "!\\"):
        return False
    number = int(match.group(1))
    if number not in state.env.get("citations", ()):
        return False
    if not silent:
        token = state.push("citation", "", 0)
        token.meta = {"number": number}
    state.pos = match.end()
    return True


def _render_citation(renderer, tokens, idx, options, env):
    number = tokens[idx].meta["number"]
    counts = env.setdefault("marker_counts", {})
    counts[number] = counts.get(number, 0) + 1
    anchor = f"cite-{number}-{counts[number]}"
    env.setdefault("backrefs", {}).setdefault(number, []).append(anchor)
    return (
        f'<sup id="{anchor}" class="citation">'
        f'<a href="#ref-{number}" class="citation-link">[{number}]</a></sup>'
    )


def _build_parser():
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    md.inline.ruler.before("link", "citation", _citation_rule)
    md.add_render_rule("citation", _render_citation)
    return md


_PARSER = _build_parser()


def render_markdown(text, env=None):
    """Markdown to sanitised HTML.

    ``env`` is shared across the fields of one page so that every marker gets a
    unique anchor: ``env["citations"]`` is the set of numbers that may be linked,
    and rendering fills ``env["backrefs"]`` with the anchors citing each number.
    """
    if not text:
        return ""
    env = {} if env is None else env
    html = _PARSER.render(text, env)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
