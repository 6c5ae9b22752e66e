"""Shareable and printable (issue 21): each publication's social card (PNG) and PDF.

Made by a task queued in the transaction that publishes, after it commits; served only
through the one definition of live, with the statuses of the alert's own pages; never
with a withheld version's text.
"""

import datetime
import hashlib
import io
import re

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from alerts import assets, workflow
from alerts.models import Level, PublicationAsset
from tests.alerts.public.helpers import pdf_text
from tests.alerts.workflow_helpers import publish
from tests.builders import edit_alert, make_alert, make_reviewer, make_source
from tests.tasks import queued

pytestmark = pytest.mark.django_db

Kind = PublicationAsset.Kind


def run_queued_asset_tasks():
    """Run the queued make_assets tasks, as the worker does once the publish committed."""
    for kwargs in queued(assets.make_assets):
        assets.make_assets.call(**kwargs)


def no_space(text):
    return re.sub(r"\s+", "", text)


@pytest.fixture
def armenia(editor):
    """An emergency about two countries, several stages, three cited sources."""
    sources = [
        make_source("Report of the commission", url="https://example.org/reports/commission-2020"),
        make_source("Field notes", url="https://example.net/notes?id=42&lang=en"),
        make_source("Statement", url="http://example.com/statement.html"),
    ]
    alert = make_alert(
        author=editor,
        title="Emergency in Artsakh",
        slug="artsakh",
        level=Level.EMERGENCY,
        countries=("Armenia", "Azerbaijan"),
        ratings={"Armenia": [8, 10], "Azerbaijan": [3]},
        sources=sources,
    )
    return publish(alert, editor=editor)


# --- The task --------------------------------------------------------------------------


def test_publishing_queues_the_task_in_its_transaction_and_the_task_makes_both(armenia):
    assert queued(assets.make_assets) == [{"publication_id": armenia.pk}]
    assert not PublicationAsset.objects.exists()  # nothing is made before the worker runs
    run_queued_asset_tasks()
    made = {a.kind: a for a in PublicationAsset.objects.filter(publication=armenia)}
    assert set(made) == {Kind.CARD, Kind.PDF}
    for asset in made.values():
        assert asset.sha256 == hashlib.sha256(bytes(asset.content)).hexdigest()
    # Write-once: running the task again keeps what was made.
    assets.make_assets.call(publication_id=armenia.pk)
    assert PublicationAsset.objects.filter(publication=armenia).count() == 2


def test_a_publish_that_rolls_back_queues_nothing(editor):
    alert = make_alert(author=editor, title="Rolled back")
    submission = workflow.submit(alert=alert, user=editor)
    reviewers = [make_reviewer(), make_reviewer()]

    class Abort(Exception):
        pass

    def publish_then_fail():
        with transaction.atomic():
            for reviewer in reviewers[: submission.approvals_required]:
                workflow.approve(submission=submission, user=reviewer)
            assert len(queued(assets.make_assets)) == 1
            raise Abort

    with pytest.raises(Abort):
        publish_then_fail()
    assert queued(assets.make_assets) == []


def test_a_failing_task_is_queued_again_for_later(armenia, monkeypatch):
    def broken(publication):
        raise OSError("disk full")

    monkeypatch.setitem(assets.MAKERS, Kind.CARD, broken)
    with pytest.raises(OSError, match="disk full"):
        assets.make_assets.call(publication_id=armenia.pk)
    assert {"publication_id": armenia.pk, "attempt": 2} in queued(assets.make_assets)


# --- The card --------------------------------------------------------------------------


def test_the_card_is_a_1200_by_630_png_in_the_levels_colour(armenia):
    run_queued_asset_tasks()
    content = bytes(PublicationAsset.objects.get(publication=armenia, kind=Kind.CARD).content)
    image = Image.open(io.BytesIO(content))
    assert image.format == "PNG"
    assert image.size == (1200, 630)
    # The level band across the top is the Emergency colour.
    assert image.convert("RGB").getpixel((5, 5)) == (0x8B, 0x00, 0x00)


def test_the_cards_alt_text_names_the_level_title_countries_and_stages(armenia):
    assert assets.card_alt(armenia) == (
        "Genocide alert: Emergency in Artsakh. Level: Genocide Emergency. "
        "Countries: Armenia (stages 8, 10), Azerbaijan (stage 3)."
    )


def test_a_very_long_title_is_cut_to_three_lines(editor):
    title = ("Unbreakablewordwiderthanthecardisitselfwide " + "word " * 30).strip()
    assert len(title) <= 200
    publication = publish(make_alert(author=editor, title=title, slug="long"), editor=editor)
    image = Image.open(io.BytesIO(assets.make_card(publication)))
    assert image.size == (1200, 630)


# --- The PDF ---------------------------------------------------------------------------


def test_the_pdf_holds_the_determinations_citations_version_and_date(armenia):
    run_queued_asset_tasks()
    content = bytes(PublicationAsset.objects.get(publication=armenia, kind=Kind.PDF).content)
    text = pdf_text(content)
    flat = " ".join(text.split())
    for country, stage in [
        ("Armenia", "Stage 8: Persecution"),
        ("Armenia", "Stage 10: Denial"),
        ("Azerbaijan", "Stage 3: Discrimination"),
    ]:
        assert country in flat
        assert stage in flat, stage
    # Every source's address, printed in full (a long one may wrap, never be cut).
    for citation in armenia.snapshot["citations"]:
        assert no_space(citation["source"]["url"]) in no_space(text), citation["source"]["url"]
    assert "Version 1" in flat
    assert f"published {armenia.go_live_at:%-d %B %Y}" in flat
    assert "Emergency in Artsakh" in flat
    assert "The UN Security Council" in flat  # the recommendations
    assert "Act now" in flat


def test_the_pdf_is_tagged_pdf_ua_1(armenia):
    content = assets.make_pdf(armenia)
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en"
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfuaid:part[^0-9]*1", xmp), xmp
    assert reader.metadata.title.startswith("Emergency in Artsakh")


def test_the_pdf_fetches_nothing_from_outside(armenia, monkeypatch):
    fetched = []
    import weasyprint.urls

    original = weasyprint.urls.URLFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(weasyprint.urls.URLFetcher, "fetch", spy)
    assets.make_pdf(armenia)
    assert [url for url in fetched if not url.startswith("data:")] == []


# --- The views -------------------------------------------------------------------------


def urls(slug, number=1):
    return {
        "card": reverse("public:alert_card", args=[slug]),
        "pdf": reverse("public:alert_pdf", args=[slug]),
        "version card": reverse("public:version_card", args=[slug, number]),
        "version pdf": reverse("public:version_pdf", args=[slug, number]),
    }


def test_the_views_serve_the_files_with_their_types_and_strong_etags(client, armenia):
    run_queued_asset_tasks()
    kept = {a.kind: a for a in PublicationAsset.objects.filter(publication=armenia)}
    for name, url in urls("artsakh").items():
        response = client.get(url)
        assert response.status_code == 200, name
        kind = Kind.PDF if "pdf" in name else Kind.CARD
        assert response.content == bytes(kept[kind].content)
        assert response["ETag"] == f'"{kept[kind].sha256}"'
        assert "public" in response["Cache-Control"]
        assert "s-maxage" in response["Cache-Control"]
        if kind == Kind.PDF:
            assert response["Content-Type"] == "application/pdf"
            assert response["Content-Disposition"] == 'inline; filename="artsakh-version-1.pdf"'
        else:
            assert response["Content-Type"] == "image/png"
        again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304, name


def test_a_file_the_worker_has_not_made_is_made_once_by_the_first_request(client, armenia):
    assert not PublicationAsset.objects.exists()
    first = client.get(urls("artsakh")["pdf"])
    assert first.status_code == 200
    assert first.content.startswith(b"%PDF-")
    assert PublicationAsset.objects.filter(publication=armenia).count() == 1
    run_queued_asset_tasks()  # the worker comes later, and keeps what the request made
    kept = PublicationAsset.objects.get(publication=armenia, kind=Kind.PDF)
    assert bytes(kept.content) == first.content


def test_without_weasyprint_the_pdf_answers_503_with_retry_after(client, armenia, monkeypatch):
    def missing():
        raise assets.AssetUnavailable("no Pango")

    monkeypatch.setattr(assets, "_weasyprint", missing)
    response = client.get(urls("artsakh")["pdf"])
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert not PublicationAsset.objects.exists()


def test_a_scheduled_publication_has_no_files_before_it_goes_live(client, editor):
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    publication = publish(
        make_alert(author=editor, title="Embargoed", slug="embargoed"),
        editor=editor,
        go_live_at=tomorrow,
    )
    run_queued_asset_tasks()  # made already, but not served
    assert PublicationAsset.objects.filter(publication=publication).count() == 2
    for name, url in urls("embargoed").items():
        assert client.get(url).status_code == 404, name


def test_unknown_addresses_answer_404(client, armenia):
    for name, url in urls("no-such-alert").items():
        assert client.get(url).status_code == 404, name
    for name in ("version card", "version pdf"):
        assert client.get(urls("artsakh", number=7)[name]).status_code == 404, name


def test_a_withdrawn_alert_answers_410(client, withdrawn):
    for name, url in urls("withdrawn-alert").items():
        response = client.get(url)
        assert response.status_code == 410, name
        assert "Its main source was discredited." in response.content.decode()


def test_an_old_slug_redirects_permanently(client, armenia, editor):
    edit_alert(armenia.alert, user=editor, slug="artsakh-2020")
    publish(armenia.alert, editor=editor, change_kind="update", change_note="Renamed.")
    for name, url in urls("artsakh").items():
        response = client.get(url)
        assert response.status_code == 301, name
        assert response["Location"] == urls("artsakh-2020")[name]


@pytest.fixture
def withheld(editor):
    """Version 1 named someone; version 2 corrected it; version 1 is withheld."""
    alert = make_alert(
        author=editor,
        title="Named in a village",
        slug="named",
        countries=("Tuvalu",),
        ratings={"Tuvalu": [5]},
    )
    first = publish(alert, editor=editor)
    edit_alert(alert, user=editor, title="Corrected title")
    second = publish(alert, editor=editor, change_kind="correction", change_note="Name removed.")
    run_queued_asset_tasks()  # both versions' files were made while they were public
    redaction = workflow.propose_redaction(alert=alert, numbers=[1], user=make_reviewer())
    workflow.approve_redaction(redaction=redaction, user=make_reviewer())
    return first, second


def test_a_withheld_version_has_no_card_or_pdf(client, withheld):
    for name in ("version card", "version pdf"):
        response = client.get(urls("named", number=1)[name])
        assert response.status_code == 410, name
        assert response["Content-Type"].startswith("text/plain")
        body = response.content.decode()
        assert "Version 1 withheld on" in body
        assert "Named in a village" not in body
    # The current version's are of the corrected text.
    card = client.get(urls("named")["card"])
    assert card.status_code == 200
    pdf = client.get(urls("named")["pdf"])
    assert "Corrected title" in pdf_text(pdf.content)
    assert "Named in a village" not in pdf_text(pdf.content)


# --- The pages -------------------------------------------------------------------------


def meta(html, attribute, name):
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', html)
    return match and match.group(1)


def test_alert_and_version_pages_carry_opengraph_and_twitter_card_tags(client, armenia):
    pages = {
        reverse("public:alert_detail", args=["artsakh"]): "card",
        reverse("public:alert_version", args=["artsakh", 1]): "version card",
    }
    alt = assets.card_alt(armenia)
    for page, card in pages.items():
        html = client.get(page).content.decode()
        assert meta(html, "property", "og:image") == "http://testserver" + urls("artsakh")[card]
        assert meta(html, "property", "og:image:type") == "image/png"
        assert meta(html, "property", "og:image:width") == "1200"
        assert meta(html, "property", "og:image:height") == "630"
        assert meta(html, "property", "og:image:alt") == alt
        assert meta(html, "property", "og:title")
        assert meta(html, "property", "og:description")
        assert meta(html, "name", "twitter:card") == "summary_large_image"
        assert meta(html, "name", "twitter:image:alt") == alt
        assert meta(html, "name", "description")  # kept
        pdf = urls("artsakh")["pdf" if card == "card" else "version pdf"]
        assert f'href="{pdf}"' in html


def test_a_withheld_version_page_points_to_no_card_and_no_pdf(client, withheld):
    html = client.get(reverse("public:alert_version", args=["named", 1])).content.decode()
    assert meta(html, "property", "og:image") is None
    assert meta(html, "name", "twitter:card") == "summary"
    assert "alert.pdf" not in html
    assert "card.png" not in html
    assert "Named in a village" not in html


def test_the_front_cache_purge_of_an_alert_covers_its_files(armenia):
    from alerts.public.front_cache import affected_patterns, ban_expression

    expression = re.compile(ban_expression(affected_patterns(alert_slugs=["artsakh"])))
    for url in urls("artsakh").values():
        assert expression.match(url), url


def test_manage_py_check_warns_when_weasyprint_cannot_load(monkeypatch):
    from alerts import checks

    def broken():
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(checks, "_import_weasyprint", broken)
    warnings = checks.assets_can_be_made(app_configs=None)
    assert [w.id for w in warnings] == ["alerts.W021"]
    assert "libpango" in warnings[0].hint
