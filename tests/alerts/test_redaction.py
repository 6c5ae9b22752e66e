"""Withholding past versions for someone's safety: proposed by one reviewer, approved by
another, and then gone from every public surface while staff still see it."""

import pytest
from django.urls import reverse

from alerts import workflow
from alerts.models import ChangeKind, ImmutableError, Publication, RedactionReview
from tests.alerts.admin.test_workflow_admin import client_for
from tests.alerts.public.helpers import crawl, machine_urls
from tests.alerts.workflow_helpers import actions_of, assert_refused, publish
from tests.builders import edit_alert, make_alert, make_reviewer

pytestmark = pytest.mark.django_db

WITNESS = "Witnessquillon Marbrey"  # a name that must not stay public


@pytest.fixture
def reviewers(db):
    return [make_reviewer("rev_a"), make_reviewer("rev_b"), make_reviewer("rev_c")]


@pytest.fixture
def named(editor, reviewers):
    """Version 1 names a witness; version 2, the current one, was corrected."""
    alert = make_alert(
        author=editor,
        title="Detentions in the north",
        summary=f"{WITNESS} saw the detentions [1].",
        background=f"According to {WITNESS}, the camp holds hundreds [2].",
    )
    publish(alert, editor=editor, reviewers=reviewers[2:])
    edit_alert(
        alert,
        user=editor,
        summary="A witness saw the detentions [1].",
        background="According to a witness, the camp holds hundreds [2].",
    )
    publish(
        alert,
        editor=editor,
        reviewers=reviewers[2:],
        change_kind=ChangeKind.CORRECTION,
        change_note="A witness's name was removed for their safety.",
    )
    return alert


def public_pages(client, alert):
    start = [
        reverse("public:home"),
        reverse("public:alert_detail", args=[alert.slug]),
        reverse("public:alert_versions", args=[alert.slug]),
        reverse("public:alert_versions", args=[alert.slug]) + "?from=1&to=2",
        reverse("public:alert_versions", args=[alert.slug]) + "?from=none&to=1",
        reverse("public:alert_version", args=[alert.slug, 1]),
        reverse("public:api_alert_detail", args=[alert.slug]),
        reverse("public:api_alert_version", args=[alert.slug, 1]),
        reverse("public:feed_country", args=["armenia"]),
        *machine_urls(),
    ]
    return crawl(client, start)


def test_one_reviewer_proposes_and_another_approves(named, reviewers):
    redaction = workflow.propose_redaction(alert=named, numbers=[1], user=reviewers[0])
    assert_refused(
        "another reviewer", workflow.approve_redaction, redaction=redaction, user=reviewers[0]
    )
    review = workflow.approve_redaction(redaction=redaction, user=reviewers[1])
    assert review.decision == RedactionReview.Decision.APPROVED
    assert actions_of(named)[-2:] == ["redaction_proposed", "redaction_approved"]
    with pytest.raises(ImmutableError):
        review.delete()
    # Publications never change: the text is still there for staff.
    assert WITNESS in Publication.objects.get(alert=named, number=1).content_html


def test_the_current_version_is_corrected_by_an_update_not_withheld(named, reviewers, editor):
    assert_refused(
        "correct it with an update",
        workflow.propose_redaction,
        alert=named,
        numbers=[2],
        user=reviewers[0],
    )
    assert_refused(
        "Only reviewers", workflow.propose_redaction, alert=named, numbers=[1], user=editor
    )


def test_a_proposal_alone_withholds_nothing(named, reviewers, client):
    workflow.propose_redaction(alert=named, numbers=[1], user=reviewers[0])
    page = client.get(reverse("public:alert_version", args=[named.slug, 1])).content.decode()
    assert WITNESS in page


def test_an_approved_redaction_leaves_the_name_on_no_public_surface(named, reviewers, client):
    before = public_pages(client, named)
    assert any(WITNESS in body for _, body in before.values()), "the test must see it first"

    redaction = workflow.propose_redaction(alert=named, numbers=[1], user=reviewers[0])
    workflow.approve_redaction(redaction=redaction, user=reviewers[1])

    after = public_pages(client, named)
    leaks = [url for url, (_, body) in after.items() if WITNESS in body]
    assert leaks == []
    version = after[reverse("public:alert_version", args=[named.slug, 1])][1]
    assert "Version 1 withheld on" in version
    assert "for the safety of people named in it" in version
    api = client.get(reverse("public:api_alert_version", args=[named.slug, 1])).json()
    assert api["snapshot"] is None
    assert api["withheld"].startswith("Version 1 withheld on")
    # Its place in the record stays: number, date, kind and change note.
    versions = after[reverse("public:alert_versions", args=[named.slug])][1]
    assert "Version 1" in versions
    assert "A witness&#x27;s name was removed for their safety." in versions


def test_staff_still_see_a_withheld_version(named, reviewers):
    redaction = workflow.propose_redaction(alert=named, numbers=[1], user=reviewers[0])
    workflow.approve_redaction(redaction=redaction, user=reviewers[1])
    first = Publication.objects.get(alert=named, number=1)
    preview = client_for(reviewers[2]).get(
        reverse("staff:submission_preview", args=[first.submission_id])
    )
    assert WITNESS in preview.content.decode()


def test_proposed_and_decided_in_the_admin_over_http(named, reviewers):
    proposer = client_for(reviewers[0])
    url = reverse("admin:alerts_alert_withhold", args=[named.pk])
    form = proposer.get(url).content.decode()
    assert 'value="1"' in form
    assert 'value="2"' not in form, "the current version is not offered"

    response = proposer.post(
        url, {"numbers": ["1"], "reason": "for the safety of people named in it", "_workflow": "1"}
    )
    assert response.status_code == 302
    decide = response["Location"]
    assert "decide-redaction-form" not in proposer.get(decide).content.decode()

    second = client_for(reviewers[1])
    assert second.post(decide, {"decision": "approve", "comment": ""}).status_code == 302
    page = second.get(decide).content.decode()
    assert "Approved by rev_b" in page


def test_a_version_scheduled_to_replace_the_current_one_cannot_be_withheld(
    named, reviewers, editor
):
    import datetime

    from django.utils import timezone

    edit_alert(named, user=editor, summary="Scheduled text [1].")
    publish(
        named,
        editor=editor,
        reviewers=reviewers[2:],
        change_kind=ChangeKind.UPDATE,
        change_note="Later.",
        go_live_at=timezone.now() + datetime.timedelta(days=1),
    )
    assert_refused(
        "current one or a later one",
        workflow.propose_redaction,
        alert=named,
        numbers=[3],
        user=reviewers[0],
    )


def test_approval_is_refused_if_the_version_became_current_meanwhile(named, reviewers):
    """Proposed while version 2 was current... nothing can make 1 current again, so
    check the rule directly: a proposal naming the live version cannot be approved."""
    from alerts.models import RedactedVersion, Redaction

    redaction = Redaction.objects.create(alert=named, proposed_by=reviewers[0])
    RedactedVersion.objects.create(
        redaction=redaction, publication=Publication.objects.get(alert=named, number=2)
    )
    assert_refused(
        "current one", workflow.approve_redaction, redaction=redaction, user=reviewers[1]
    )
