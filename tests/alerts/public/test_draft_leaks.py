"""Drafts never leak: only the words of live publications reach the public.

Beside a published alert this plants every kind of content the public must not see,
each with its own distinctive word in every text field (and in the names of countries
and sources only it uses): a draft, an alert in review, one with changes requested,
one awaiting its second approval, an approved-but-scheduled alert, a scheduled update
of a live alert, a withdrawn alert, an unpublished edit of the published alert
(including an edit of a source it cites), and an earlier version withheld for someone's
safety (its text corrected in the current version). Then it fetches every public page (by
crawling from the home page and the sitemaps), every feed, the API, the CSV, and
searches and filters for every word, and proves that only the live words appear.
The social cards and PDFs too: a PDF's text is searched like a page's, and a card is
checked through its alt text and by which publication it was made from.
"""

import datetime

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from alerts import assets, workflow
from alerts.editing import revision
from alerts.models import Level, Publication, PublicationAsset
from tests.alerts.public.helpers import body_of, crawl, machine_urls
from tests.alerts.workflow_helpers import publish
from tests.builders import make_alert, make_reviewer, make_source
from tests.tasks import queued

pytestmark = pytest.mark.django_db

LIVE = ["livelyquokka", "steadfastwombat"]
HIDDEN = {
    "draft": "draftyplatypus",
    "in_review": "reviewyaxolotl",
    "changes_requested": "sendbackpangolin",
    "second_approval": "halfwaynarwhal",
    "scheduled": "embargoedokapi",
    "scheduled_update": "futureupdatetapir",
    "withdrawn": "retractedcassowary",
    "unpublished_edit": "secreteditlemur",
    "source_edit": "renamedsourcegecko",
    "redacted": "withheldibis",
}


def plant(alert, word, *, user):
    """Put ``word`` into every editor text field of the alert and its children."""
    with revision(user=user, comment=f"Planting {word}"):
        alert.title = f"{word.capitalize()} alert"
        alert.summary = f"Summary about {word} [1]."
        alert.background = f"Background on {word} [2]."
        alert.legal_analysis = f"Legal analysis of {word} [1]."
        alert.assessment = f"Assessment of {word}."
        alert.save()
        for rating in alert.ratings.all():
            rating.rationale = f"Rated for {word} [1]."
            rating.save()
        for evidence in alert.evidence.all():
            evidence.text = f"Evidence of {word} [2]."
            evidence.save()
        for item in alert.recommendations.all():
            item.addressee = f"The {word} council"
            item.action = f"Act on {word} [1]."
            item.save()
        for citation in alert.citations.all():
            citation.locator = f"{word} page 1"
            citation.quote = f"A quotation about {word}."
            citation.save()
    return alert


def new_alert(editor, word, *, slug, level=Level.WARNING, shared_country="Armenia"):
    """An alert whose text, own country and own source all carry ``word``."""
    country = f"{word.capitalize()}land"
    alert = make_alert(
        author=editor,
        title=f"{word.capitalize()} alert",
        slug=slug,
        level=level,
        countries=(shared_country, country),
        ratings={shared_country: [3], country: [7]},
        sources=[make_source(f"{word.capitalize()} report"), make_source()],
        issued_on=datetime.date(2024, 1, 1),
    )
    return plant(alert, word, user=editor)


@pytest.fixture
def planted(editor):
    # The live content.
    live = publish(new_alert(editor, LIVE[0], slug="live-one"), editor=editor)
    second = publish(new_alert(editor, LIVE[1], slug="live-two"), editor=editor)

    # Not published at all.
    new_alert(editor, HIDDEN["draft"], slug="hidden-1")
    workflow.submit(alert=new_alert(editor, HIDDEN["in_review"], slug="hidden-2"), user=editor)
    sent_back = workflow.submit(
        alert=new_alert(editor, HIDDEN["changes_requested"], slug="hidden-3"), user=editor
    )
    workflow.request_changes(submission=sent_back, user=make_reviewer(), comment="Not yet.")
    halfway = workflow.submit(
        alert=new_alert(editor, HIDDEN["second_approval"], slug="hidden-4", level=Level.EMERGENCY),
        user=editor,
    )
    assert workflow.approve(submission=halfway, user=make_reviewer()) is None

    # Approved, but not live yet.
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    publish(
        new_alert(editor, HIDDEN["scheduled"], slug="hidden-5"), editor=editor, go_live_at=tomorrow
    )
    plant(second.alert, HIDDEN["scheduled_update"], user=editor)
    publish(
        second.alert,
        editor=editor,
        change_kind="update",
        change_note=f"Changed for {HIDDEN['scheduled_update']}.",
        go_live_at=tomorrow,
    )

    # Live once, then withdrawn.
    gone = publish(new_alert(editor, HIDDEN["withdrawn"], slug="hidden-6"), editor=editor)
    workflow.withdraw(alert=gone.alert, user=make_reviewer(), reason="Retracted after review.")

    # Live, but its first version named someone: corrected, then withheld.
    named = make_alert(
        author=editor,
        title="Named alert",
        slug="named-alert",
        countries=("Tuvalu",),
        ratings={"Tuvalu": [5]},
    )
    plant(named, HIDDEN["redacted"], user=editor)
    publish(named, editor=editor)
    plant(named, "correctedheron", user=editor)
    publish(named, editor=editor, change_kind="correction", change_note="A name removed.")
    redaction = workflow.propose_redaction(alert=named, numbers=[1], user=make_reviewer())
    workflow.approve_redaction(redaction=redaction, user=make_reviewer())

    # The live alert's working copy moves on, and a source it cites is edited.
    plant(live.alert, HIDDEN["unpublished_edit"], user=editor)
    source = live.alert.citations.get(number=2).source
    with revision(user=editor, comment="Source edit"):
        source.title = f"{HIDDEN['source_edit'].capitalize()} document"
        source.save()
    return {"live": live, "second": second}


def assert_no_hidden_words(url, body, *, echo=""):
    text = body.lower()
    if echo:
        text = text.replace(echo.lower(), "")  # what the visitor typed may be echoed back
    found = [kind for kind, word in HIDDEN.items() if word in text]
    assert not found, f"{url} leaks {found}"


def test_only_live_words_reach_any_public_url(client, planted):
    sitemap_sections = [
        reverse("public:sitemap_section", args=[section])
        for section in ("alerts", "countries", "pages")
    ]
    pages = crawl(client, [reverse("public:home"), *machine_urls(), *sitemap_sections])

    # The crawl really reached the live content through every kind of URL.
    must_reach = [
        reverse("public:alert_detail", args=["live-one"]),
        reverse("public:alert_versions", args=["live-one"]),
        reverse("public:alert_version", args=["live-one", 1]),
        reverse("public:alert_version", args=["named-alert", 1]),
        reverse("public:country_detail", args=[f"{LIVE[0]}land"]),
        reverse("public:country_list"),
        reverse("public:stage_list"),
        reverse("public:feed_alerts"),
        reverse("public:api_alert_list"),
        reverse("public:api_determinations_csv"),
        # The audit head: hidden alerts' events are in the chain, never their words.
        reverse("public:audit_head"),
        reverse("public:api_audit_head"),
        # The PDFs (linked from the pages) and the social cards (their og:image).
        reverse("public:alert_pdf", args=["live-one"]),
        reverse("public:version_pdf", args=["live-one", 1]),
        reverse("public:alert_card", args=["live-one"]),
        reverse("public:version_card", args=["live-one", 1]),
        reverse("public:alert_card", args=["named-alert"]),
    ]
    for url in must_reach:
        assert url in pages, f"the crawl never reached {url}"
    everything = "\n".join(body for _, body in pages.values()).lower()
    for word in LIVE:
        assert word in everything, f"live word {word} is missing: the test proves nothing"

    for url, (status, body) in pages.items():
        assert status in (200, 301, 302, 410), f"{url} answered {status}"
        assert_no_hidden_words(url, body)


def test_machine_urls_for_each_live_alert_hold_no_hidden_words(client, planted):
    for slug in ("live-one", "live-two", "named-alert"):
        for url in [
            reverse("public:api_alert_detail", args=[slug]),
            reverse("public:api_alert_version", args=[slug, 1]),
            reverse("public:feed_country", args=["armenia"]),
        ]:
            response = client.get(url)
            assert response.status_code == 200, url
            assert_no_hidden_words(url, body_of(response))


def test_searches_and_filters_for_hidden_words_find_nothing(client, planted):
    for word in HIDDEN.values():
        url = reverse("public:alert_list") + f"?q={word}"
        body = body_of(client.get(url))
        assert "No alerts match these filters" in body, url
        assert_no_hidden_words(url, body, echo=word)
    for word in LIVE:
        body = body_of(client.get(reverse("public:alert_list") + f"?q={word}"))
        assert "1 alert" in body

    for kind, word in HIDDEN.items():
        country = f"{word}land"
        for url in [
            reverse("public:alert_list") + f"?country={country}",
            reverse("public:country_detail", args=[country]),
            reverse("public:feed_country", args=[country]),
        ]:
            response = client.get(url)
            body = body_of(response)
            if kind == "withdrawn" and url == reverse("public:feed_country", args=[country]):
                # The country's readers are told of the withdrawal, and of nothing more.
                assert response.status_code == 200, url
                assert [e.title for e in feedparser.parse(body).entries] == ["Alert withdrawn"]
            elif kind == "withdrawn" and url == reverse("public:country_detail", args=[country]):
                # The country's page stays up and says an alert about it was withdrawn;
                # none of the withdrawn text is on it (checked below).
                assert response.status_code == 200, url
                assert "Withdrawn alerts" in body, url
                assert "Not rated by any current alert" in body, url
            else:
                assert response.status_code in (200, 404), url
                assert "No alerts match" in body or response.status_code == 404, url
            assert_no_hidden_words(url, body, echo=country)


def test_filtering_by_a_country_or_stage_shared_with_hidden_alerts_shows_only_live_ones(
    client, planted
):
    # Every planted alert rates Armenia at stage 3 and its own country at stage 7:
    # these filters read rows (LiveFacets) that hidden, scheduled and withdrawn
    # alerts' publications have too.
    for query in ["?country=armenia", "?stage=3", "?stage=7", "?country=armenia&stage=3"]:
        url = reverse("public:alert_list") + query
        body = body_of(client.get(url))
        assert "2 alerts" in body, url
        assert LIVE[0].capitalize() in body, url
        assert LIVE[1].capitalize() in body, url
        assert_no_hidden_words(url, body)


def test_guessing_addresses_of_hidden_alerts_reveals_nothing(client, planted):
    for n in range(1, 6):
        slug = f"hidden-{n}"
        for url in [
            reverse("public:alert_detail", args=[slug]),
            reverse("public:alert_versions", args=[slug]),
            reverse("public:alert_version", args=[slug, 1]),
            reverse("public:api_alert_detail", args=[slug]),
            reverse("public:api_alert_version", args=[slug, 1]),
        ]:
            response = client.get(url)
            assert response.status_code == 404, url
            assert_no_hidden_words(url, body_of(response))
    # The scheduled update of a live alert is not there yet.
    for url in [
        reverse("public:alert_version", args=["live-two", 2]),
        reverse("public:api_alert_version", args=["live-two", 2]),
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert_no_hidden_words(url, body_of(response))
    # The withdrawn alert's address says it was withdrawn, and no more.
    for url in [
        reverse("public:alert_detail", args=["hidden-6"]),
        reverse("public:api_alert_detail", args=["hidden-6"]),
    ]:
        response = client.get(url)
        assert response.status_code == 410, url
        body = body_of(response)
        assert "Retracted after review." in body
        assert_no_hidden_words(url, body)


def file_urls(slug, number=1):
    return [
        reverse("public:alert_card", args=[slug]),
        reverse("public:alert_pdf", args=[slug]),
        reverse("public:version_card", args=[slug, number]),
        reverse("public:version_pdf", args=[slug, number]),
    ]


def test_cards_and_pdfs_hold_no_hidden_words(client, planted):
    # The worker has made every publication's files, hidden ones' too: what is served
    # is chosen by the views, not by what happens to exist.
    for kwargs in queued(assets.make_assets):
        assets.make_assets.call(**kwargs)
    made = PublicationAsset.objects.filter(kind=PublicationAsset.Kind.PDF)
    assert made.count() == Publication.objects.count() == 7

    for slug in ("live-one", "live-two", "named-alert"):
        for url in file_urls(slug, 2 if slug == "named-alert" else 1):
            response = client.get(url)
            assert response.status_code == 200, url
            assert_no_hidden_words(url, body_of(response))
        page = body_of(client.get(reverse("public:alert_detail", args=[slug])))
        assert_no_hidden_words(slug, page)  # og:image:alt, twitter:image:alt included
        # The current card is the live publication's own, whatever else was made.
        live = planted["second"] if slug == "live-two" else None
        if live is not None:
            card = client.get(reverse("public:alert_card", args=[slug])).content
            kept = PublicationAsset.objects.get(publication=live, kind="card")
            assert card == bytes(kept.content)
            assert_no_hidden_words(slug, assets.card_alt(live))
    pdf = body_of(client.get(reverse("public:alert_pdf", args=["live-one"])))
    assert LIVE[0] in pdf.lower(), "the live words are missing: the test proves nothing"

    # Never public, or not yet.
    for n in range(1, 6):
        for url in file_urls(f"hidden-{n}"):
            response = client.get(url)
            assert response.status_code == 404, url
            assert_no_hidden_words(url, body_of(response))
    for url in file_urls("live-two", 2)[2:]:  # the scheduled update
        assert client.get(url).status_code == 404, url
    # Withdrawn: the notice, and no more.
    for url in file_urls("hidden-6"):
        response = client.get(url)
        assert response.status_code == 410, url
        assert_no_hidden_words(url, body_of(response))
    # Withheld for someone's safety: the notice instead of any file.
    for url in file_urls("named-alert", 1)[2:]:
        response = client.get(url)
        assert response.status_code == 410, url
        body = body_of(response)
        assert "withheld" in body, url
        assert_no_hidden_words(url, body)
    page = body_of(client.get(reverse("public:alert_version", args=["named-alert", 1])))
    assert "card.png" not in page
    assert "alert.pdf" not in page


def test_the_scheduled_content_appears_when_its_time_comes(client, planted, monkeypatch):
    later = timezone.now() + datetime.timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    body = body_of(client.get(reverse("public:alert_list")))
    assert HIDDEN["scheduled"] in body.lower()
    assert HIDDEN["scheduled_update"] in body.lower()
    # Drafts and the rest stay hidden, whatever the time.
    for kind in ("draft", "in_review", "changes_requested", "second_approval", "withdrawn"):
        assert HIDDEN[kind] not in body.lower(), kind
