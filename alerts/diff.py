"""What changed between two snapshots: one diff for reviewers and the public alike.

``diff_snapshots(old, new)`` is a pure function over two snapshots (see
``alerts.snapshot``); it touches no database. ``publication_diff`` is the same for two
publications, worked out once per pair and kept. ``old`` may be None for a first
publication, in which case everything in ``new`` is reported as added. The
result is plain dicts, lists and (op, text) tuples, rendered by
``templates/alerts/diff.html`` (include it with the result as ``diff``).

Shape::

    {
        "first_publication": bool,
        "has_changes": bool,
        "old_label": str, "new_label": str,       # column headings
        "fields": [FieldDiff, ...],               # changed top-level fields only
        "ratings": [ItemDiff, ...],               # and likewise for evidence,
        "evidence": [...], "recommendations": [...], "citations": [...],
        "sections": [{"key", "title", "items"}, ...],  # the four lists, for templates
    }
    FieldDiff = {"key", "label", "old", "new", "segments": [(op, text), ...]}
    ItemDiff = {"key", "label", "change": "added" | "removed" | "changed",
                "fields": [FieldDiff, ...]}

``op`` is "equal", "delete" or "insert". Joining the equal and insert texts of a
field gives its new value; joining the equal and delete texts gives the old one
(up to spacing inside a line, which is not counted as a change; line and
paragraph breaks are). Text is never marked safe: templates autoescape it.
"""

import re
from difflib import SequenceMatcher

from django.db import IntegrityError, transaction

from .models import Alert, PublicationDiff
from .snapshot import upgrade

TOP_LEVEL_FIELDS = (
    ("title", "Title"),
    ("level_label", "Level"),
    ("issued_on", "Issued on"),
    ("countries", "Countries"),
    *Alert.TEXT_FIELDS.items(),
)

RATING_FIELDS = (("country_name", "Country"), ("stage_name", "Stage"), ("rationale", "Rationale"))
EVIDENCE_FIELDS = (
    ("stage_name", "Stage"),
    ("country_name", "Country"),
    ("period", "Period"),
    ("text", "Text"),
)
RECOMMENDATION_FIELDS = (("addressee", "Addressee"), ("action", "Action"))
CITATION_FIELDS = (
    ("locator", "Locator"),
    ("quote", "Quote"),
    ("source.title", "Source title"),
    ("source.publisher", "Publisher"),
    ("source.url", "URL"),
    ("source.published_on", "Published on"),
    ("source.accessed_on", "Accessed on"),
    ("source.archive_url", "Archive URL"),
)

SECTION_TITLES = (
    ("ratings", "Stage determinations"),
    ("evidence", "Evidence"),
    ("recommendations", "Recommendations"),
    ("citations", "Citations"),
)

# A token is a word with the whitespace before it, so joining tokens gives back the
# text. Tokens are compared by the word and by the kind of break before it, so a new
# paragraph counts as a change but a doubled space does not.
_TOKENS = re.compile(r"\s*\S+|\s+$")


def _tokens(text):
    return _TOKENS.findall(text)


def _key(token):
    word = token.strip()
    space = token[: len(token) - len(token.lstrip())]
    if "\n\n" in space or "\n\r\n" in space:
        return ("paragraph", word)
    return ("line" if "\n" in space else "space", word)


# Word diffs cost up to the product of the two texts' lengths in words (SequenceMatcher
# on repetitive text such as a long table), so a long text is first compared line by
# line, and only changed stretches of at most WORD_DIFF_LIMIT words a side are compared
# word by word; a longer stretch is shown replaced whole.
WORD_DIFF_LIMIT = 2000


def word_diff(old, new):
    """(op, text) segments turning ``old`` into ``new``, word by word.

    Equal runs carry the new text's whitespace, so spacing-only differences
    within a line do not show as changes. Bounded: see WORD_DIFF_LIMIT.
    """
    a, b = _tokens(old), _tokens(new)
    if len(a) <= WORD_DIFF_LIMIT and len(b) <= WORD_DIFF_LIMIT:
        return _tidy(_word_segments(a, b))
    return _tidy(_line_segments(old, new))


def _word_segments(a, b):
    matcher = SequenceMatcher(None, [_key(t) for t in a], [_key(t) for t in b], autojunk=False)
    raw = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            raw.append(("equal", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            raw.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            raw.append(("insert", "".join(b[j1:j2])))
    return raw


def _line_segments(old, new):
    """Segments for long texts: lines first, then words within small changed stretches."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    # Lines compared as their words, so spacing alone does not make a line differ.
    matcher = SequenceMatcher(
        None,
        [" ".join(line.split()) for line in a],
        [" ".join(line.split()) for line in b],
        # Lines repeated all over (a table's separator rows, a thousand identical rows)
        # are not used to anchor the match, which keeps it near-linear; the result is
        # still a correct diff.
        autojunk=True,
    )
    raw = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_text, new_text = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            raw.append(("equal", new_text))
            continue
        old_words, new_words = _tokens(old_text), _tokens(new_text)
        if tag == "replace" and max(len(old_words), len(new_words)) <= WORD_DIFF_LIMIT:
            raw += _word_segments(old_words, new_words)
            continue
        if old_text:
            raw.append(("delete", old_text))
        if new_text:
            raw.append(("insert", new_text))
    return raw


def _tidy(segments):
    """Fold a lone word (or space) between two changes into them, then merge each run of
    changes into one deletion followed by one insertion, so a replaced phrase reads
    as one phrase and not as alternating words."""
    folded = []
    for i, (op, text) in enumerate(segments):
        between_changes = (
            op == "equal"
            and len(text.split()) <= 1
            and 0 < i < len(segments) - 1
            and segments[i - 1][0] != "equal"
            and segments[i + 1][0] != "equal"
        )
        if between_changes:
            folded += [("delete", text), ("insert", text)]
        else:
            folded.append((op, text))
    result = []
    deleted, inserted = [], []

    def flush():
        if deleted:
            result.append(("delete", "".join(deleted)))
        if inserted:
            result.append(("insert", "".join(inserted)))
        deleted.clear()
        inserted.clear()

    for op, text in folded:
        if op == "delete":
            deleted.append(text)
        elif op == "insert":
            inserted.append(text)
        else:
            flush()
            if result and result[-1][0] == "equal":
                result[-1] = ("equal", result[-1][1] + text)
            else:
                result.append(("equal", text))
    flush()
    return result


def _text(value):
    if value is None:
        return ""
    return str(value)


def _get(item, path):
    for part in path.split("."):
        item = (item or {}).get(part)
    return _text(item)


def _field(key, label, old, new):
    """The diff of one field, or None when only insignificant spacing differs."""
    if old == new:
        return None
    segments = word_diff(old, new)
    if all(op == "equal" for op, _ in segments):
        return None
    return {"key": key, "label": label, "old": old, "new": new, "segments": segments}


def _field_diffs(old_item, new_item, fields):
    """Diffs of the fields whose values differ (all non-empty ones when added/removed)."""
    diffs = []
    for key, label in fields:
        old = _get(old_item, key) if old_item is not None else ""
        new = _get(new_item, key) if new_item is not None else ""
        diff = _field(key, label, old, new)
        if diff:
            diffs.append(diff)
    return diffs


def _top_level_values(snapshot):
    if snapshot is None:
        return {}
    values = {key: _text(snapshot.get(key)) for key, _ in TOP_LEVEL_FIELDS}
    values["countries"] = ", ".join(c["name"] for c in snapshot.get("countries", []))
    return values


def _rating_key(rating):
    return (rating["country"], rating["stage"])


def _rating_label(rating):
    return f"{rating['country_name']}, stage {rating['stage']} ({rating['stage_name']})"


def _keyed_evidence(evidence):
    """Evidence keyed by stage, country and its ordinal among evidence of that pair."""
    seen = {}
    keyed = {}
    for item in evidence:
        pair = (item["stage"], item["country"] or "")
        seen[pair] = seen.get(pair, 0) + 1
        keyed[(*pair, seen[pair])] = item
    return keyed


def _evidence_label(key, item):
    stage, _country, ordinal = key
    where = f", {item['country_name']}" if item.get("country_name") else ""
    return f"Stage {stage} ({item['stage_name']}){where}, item {ordinal}"


def _collection(old_items, new_items, fields, label):
    """Added, removed and changed items of two dicts keyed alike, in key order."""
    changes = []
    for key in sorted(old_items.keys() | new_items.keys()):
        old, new = old_items.get(key), new_items.get(key)
        if old is None:
            change = "added"
        elif new is None:
            change = "removed"
        else:
            change = "changed"
        fields_changed = _field_diffs(old, new, fields)
        if change == "changed" and not fields_changed:
            continue
        changes.append(
            {
                "key": key,
                "label": label(key, new if new is not None else old),
                "change": change,
                "fields": fields_changed,
            }
        )
    return changes


def diff_snapshots(old, new, *, old_label=None, new_label=None):
    """The differences between two snapshots; ``old`` None means a first publication."""
    return labelled(snapshot_changes(old, new), old_label=old_label, new_label=new_label)


def labelled(changes, *, old_label=None, new_label=None):
    """A diff for templates from ``snapshot_changes``: column headings, and the four
    lists as sections."""
    first = changes["first_publication"]
    return {
        **changes,
        "old_label": old_label or ("Nothing published before" if first else "Before"),
        "new_label": new_label or "After",
        "sections": [
            {"key": key, "title": title, "items": changes[key]} for key, title in SECTION_TITLES
        ],
    }


def snapshot_changes(old, new):
    """What ``diff_snapshots`` finds, without headings: plain JSON-able data (segments
    become lists when stored), so a diff between publications is kept (PublicationDiff)."""
    new = upgrade(new)
    first = old is None
    old = upgrade(old) if old is not None else None
    empty = {"ratings": [], "evidence": [], "recommendations": [], "citations": []}
    before = old if old is not None else empty

    old_values, new_values = _top_level_values(old), _top_level_values(new)
    fields = [
        diff
        for key, label in TOP_LEVEL_FIELDS
        if (diff := _field(key, label, old_values.get(key, ""), new_values[key]))
    ]

    ratings = _collection(
        {_rating_key(r): r for r in before["ratings"]},
        {_rating_key(r): r for r in new["ratings"]},
        RATING_FIELDS,
        lambda key, item: _rating_label(item),
    )
    evidence = _collection(
        _keyed_evidence(before["evidence"]),
        _keyed_evidence(new["evidence"]),
        EVIDENCE_FIELDS,
        _evidence_label,
    )
    recommendations = _collection(
        dict(enumerate(before["recommendations"], start=1)),
        dict(enumerate(new["recommendations"], start=1)),
        RECOMMENDATION_FIELDS,
        lambda key, item: f"Recommendation {key}: {item['addressee']}",
    )
    citations = _collection(
        {c["number"]: c for c in before["citations"]},
        {c["number"]: c for c in new["citations"]},
        CITATION_FIELDS,
        lambda key, item: f"[{key}] {item['source']['title']}",
    )
    collections = {
        "ratings": ratings,
        "evidence": evidence,
        "recommendations": recommendations,
        "citations": citations,
    }
    return {
        "first_publication": first,
        "has_changes": bool(fields) or any(collections.values()),
        "fields": fields,
        **collections,
    }


def publication_diff(publications, old, new, *, old_label=None, new_label=None):
    """The diff between the publications numbered ``old`` (None: nothing before) and
    ``new`` of ``publications`` (one alert's), worked out on the first request for the
    pair and kept: publications never change, so no later request diffs them again.
    One query when kept."""
    pair = PublicationDiff.objects.filter(new__in=publications.filter(number=new))
    if old is None:
        pair = pair.filter(old__isnull=True)
    else:
        pair = pair.filter(old__in=publications.filter(number=old))
    changes = pair.values_list("changes", flat=True).first()
    if changes is None:
        found = {p.number: p for p in publications.filter(number__in=[old, new])}
        changes = keep_diff(found.get(old), found[new])
    return labelled(changes, old_label=old_label, new_label=new_label)


def keep_diff(old, new):
    """Work out the diff between two publications and keep it; returns its changes.
    The workflow keeps each new publication's diff from the one before as it publishes
    it (what its versions page shows first); other pairs are kept when first asked for."""
    changes = snapshot_changes(old.snapshot if old else None, new.snapshot)
    try:
        with transaction.atomic():
            PublicationDiff.objects.create(old=old, new=new, changes=changes)
    except IntegrityError:
        pass  # kept by a request for the same pair at the same time
    return changes
