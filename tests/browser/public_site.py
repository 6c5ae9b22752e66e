"""A small published site for the public-site browser tests, built through the workflow."""

import datetime

from alerts.demo import ALERT_SLUG as DEMO_SLUG
from alerts.demo import load_demo_content
from alerts.editing import revision
from alerts.models import Level, StageEvidence
from stages.models import Stage
from tests.alerts.workflow_helpers import publish
from tests.builders import edit_alert, make_alert, make_country, make_editor, make_source

SLUG = "emergency-in-the-caucasus"
LONG_WORD = "Antidisestablishmentarianism" * 6


def build_public_site():
    """Two live alerts (one updated, so it has versions to compare), three countries."""
    editor = make_editor("site-editor")
    make_country("Armenia", iso_code="AM", region="South Caucasus")
    make_country("Azerbaijan", iso_code="AZ", region="South Caucasus")
    sources = [
        make_source(
            "Convention on the Prevention and Punishment of the Crime of Genocide",
            archive_url="https://web.archive.org/web/2020/https://example.org/convention",
        ),
        make_source("Report of the independent commission"),
        make_source("Statement to the Security Council"),
    ]
    alert = make_alert(
        author=editor,
        title="Emergency in the Caucasus",
        slug=SLUG,
        level=Level.EMERGENCY,
        countries=("Armenia", "Azerbaijan"),
        ratings={"Armenia": [8], "Azerbaijan": [9, 10]},
        sources=sources,
        summary="Civilians are shelled and denied return, in breach of the convention [1].",
        background="Shelling of towns was reported by the commission [2].\n\n" + LONG_WORD,
        legal_analysis="The convention obliges states to prevent genocide [1].",
        assessment="Denial is official policy [3].",
        issued_on=datetime.date(2020, 11, 1),
    )
    with revision(user=editor, comment="More evidence"):
        StageEvidence.objects.create(
            alert=alert,
            stage=Stage.objects.get(number=10),
            text="Officials deny past massacres [3].",
            position=2,
        )
    publish(alert, editor=editor)
    edit_alert(
        alert,
        user=editor,
        summary="Civilians are shelled, expelled and denied return, in breach of the convention [1].",
    )
    publish(alert, editor=editor, change_kind="update", change_note="Reports of expulsions.")

    publish(
        make_alert(
            author=editor,
            title="Warning for Ruritania",
            slug="warning-for-ruritania",
            level=Level.WARNING,
            countries=("Ruritania",),
            ratings={"Ruritania": [5, 6]},
            issued_on=datetime.date(2021, 4, 1),
        ),
        editor=editor,
    )
    return {"slug": SLUG, "country": "armenia"}


def build_demo_site():
    """``build_public_site`` and the demo alert (``manage.py load_demo``'s Artsakh alert:
    long sections, many references), published: real text for checks of typography
    and speed."""
    site = build_public_site()
    editor = make_editor("demo-editor")
    alert, _ = load_demo_content(editor)
    publish(alert, editor=editor)
    return site | {"demo_slug": DEMO_SLUG}
