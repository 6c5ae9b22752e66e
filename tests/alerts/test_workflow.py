import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from alerts import workflow
from alerts.editing import revision
from alerts.models import (
    Alert,
    ChangeKind,
    ImmutableError,
    Level,
    Publication,
    PublishedDetermination,
    StageRating,
    Submission,
    WorkflowEvent,
)
from alerts.roles import EDITORS, REVIEWERS
from alerts.snapshot import build_snapshot, snapshot_hash
from tests.alerts.workflow_helpers import (
    actions_of,
    assert_live_snapshot,
    assert_refused,
    assert_state,
    publish,
)
from tests.builders import edit_alert, make_alert, make_country, make_reviewer, make_user
from tests.tasks import queued_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewers(db):
    return [make_reviewer("rev_a"), make_reviewer("rev_b")]


@pytest.fixture
def published(alert, editor, reviewers):
    return publish(alert, editor=editor, reviewers=reviewers)


# --- Submission ----------------------------------------------------------------------


def test_submission_pins_revision_snapshot_and_hash(alert, editor):
    submission = workflow.submit(alert=alert, user=editor)

    assert submission.revision == workflow.latest_revision(alert)
    assert submission.snapshot == build_snapshot(alert)
    assert submission.snapshot_hash == snapshot_hash(submission.snapshot)
    assert submission.submitted_by == editor
    assert submission.change_kind == ChangeKind.FIRST
    assert_state(alert, "in_review")
    assert actions_of(alert) == ["submitted"]


def test_submitting_with_a_dangling_marker_is_refused(alert, editor):
    edit_alert(alert, user=editor, assessment="Cites a missing source [5].")
    assert_refused("Assessment cites [5]", workflow.submit, alert=alert, user=editor)


def test_submitting_a_rating_for_a_country_not_on_the_alert_is_refused(alert, editor):
    sudan = make_country("Sudan")
    with revision(user=editor, comment="rated Sudan"):
        StageRating.objects.create(
            alert=alert, country=sudan, stage_id=5, rationale="Militias [1]."
        )
        alert.save()
    assert_refused("not among the alert's countries", workflow.submit, alert=alert, user=editor)


def test_submitting_a_rating_without_a_cited_rationale_is_refused(alert, editor):
    with revision(user=editor, comment="uncited"):
        rating = alert.ratings.first()
        rating.rationale = "No source given."
        rating.save()
        alert.save()
    assert_refused("cites at least one source", workflow.submit, alert=alert, user=editor)


def test_a_new_submission_supersedes_the_open_one(alert, editor):
    first = workflow.submit(alert=alert, user=editor)
    edit_alert(alert, user=editor, title="Retitled")
    second = workflow.submit(alert=alert, user=editor)

    first.refresh_from_db()
    assert first.status == Submission.Status.SUPERSEDED
    assert second.status == Submission.Status.PENDING
    assert Submission.objects.filter(alert=alert, status="pending").count() == 1


def test_after_publication_a_change_note_and_kind_are_required(published, alert, editor):
    edit_alert(alert, user=editor, summary="Updated summary [1].")
    assert_refused(
        "update or a correction", workflow.submit, alert=alert, user=editor, change_note="x"
    )
    assert_refused(
        "public change note",
        workflow.submit,
        alert=alert,
        user=editor,
        change_kind=ChangeKind.UPDATE,
    )
    submission = workflow.submit(
        alert=alert, user=editor, change_kind=ChangeKind.CORRECTION, change_note="Fixed a date."
    )
    assert submission.change_kind == ChangeKind.CORRECTION


def test_an_address_another_alert_was_published_under_cannot_be_taken(editor, reviewers):
    first = make_alert(author=editor, title="First", slug="caucasus")
    publish(first, editor=editor, reviewers=reviewers)
    # Renamed in its working copy, and then published under the new name: the old
    # address now redirects to it, and must keep doing so.
    edit_alert(first, user=editor, slug="caucasus-2020")
    second = make_alert(author=editor, title="Second", slug="caucasus")

    assert_refused(
        "/alerts/caucasus/ belongs to another alert", workflow.submit, alert=second, user=editor
    )

    publish(
        first,
        editor=editor,
        reviewers=reviewers,
        change_kind=ChangeKind.UPDATE,
        change_note="New address.",
    )
    assert_refused("“First”", workflow.submit, alert=second, user=editor)
    assert not second.publications.exists()


def test_an_alert_may_go_back_to_an_address_it_published_under(published, alert, editor):
    old = alert.slug
    edit_alert(alert, user=editor, slug=f"{old}-renamed")
    edit_alert(alert, user=editor, slug=old)
    submission = workflow.submit(
        alert=alert, user=editor, change_kind=ChangeKind.UPDATE, change_note="Same address."
    )
    assert submission.snapshot["slug"] == old


# --- Review --------------------------------------------------------------------------


def test_stale_submission_cannot_be_approved(alert, editor, reviewers):
    submission = workflow.submit(alert=alert, user=editor)
    edit_alert(alert, user=editor, summary="Edited after submitting [1].")

    assert_refused(
        workflow.STALE_MESSAGE, workflow.approve, submission=submission, user=reviewers[0]
    )
    assert not Publication.objects.filter(alert=alert).exists()


def test_submitter_cannot_approve_even_as_reviewer(alert, editor):
    both = make_user("both", groups=[EDITORS, REVIEWERS])
    submission = workflow.submit(alert=alert, user=both)
    assert_refused("You submitted", workflow.approve, submission=submission, user=both)


def test_an_editor_of_the_alert_cannot_approve_when_someone_else_submits(alert, editor):
    both = make_user("both", groups=[EDITORS, REVIEWERS])
    edit_alert(alert, user=both, summary="My own words [1].")
    submission = workflow.submit(alert=alert, user=editor)

    assert_refused("You edited this alert", workflow.approve, submission=submission, user=both)
    assert submission not in workflow.awaiting_review_by(both)


def test_superuser_who_edited_cannot_approve(alert, editor):
    boss = make_user("boss", superuser=True)
    edit_alert(alert, user=boss, summary="Boss's edit [1].")
    submission = workflow.submit(alert=alert, user=editor)
    assert_refused("You edited this alert", workflow.approve, submission=submission, user=boss)


def test_editing_before_the_last_publication_does_not_bar_approval(published, alert, editor):
    # `editor` wrote version 1; a reviewer who never edited approves the update.
    both = make_user("both", groups=[EDITORS, REVIEWERS])
    edit_alert(alert, user=editor, summary="Update [1].")
    submission = workflow.submit(
        alert=alert, user=editor, change_kind=ChangeKind.UPDATE, change_note="New facts."
    )
    publication = workflow.approve(submission=submission, user=both)
    assert publication.number == 2


def test_emergency_needs_two_distinct_approvers(editor, reviewers):
    alert = make_alert(author=editor, level=Level.EMERGENCY)
    submission = workflow.submit(alert=alert, user=editor)
    assert submission.approvals_required == 2

    assert workflow.approve(submission=submission, user=reviewers[0]) is None
    assert_state(alert, "awaiting_second_approval")
    assert_refused("already approved", workflow.approve, submission=submission, user=reviewers[0])

    publication = workflow.approve(submission=submission, user=reviewers[1])
    assert publication.approvers == ["rev_a", "rev_b"]
    assert actions_of(alert) == ["submitted", "approved", "published"]


def test_raising_a_countrys_highest_stage_needs_two_approvers(published, alert, editor):
    armenia = make_country("Armenia")
    with revision(user=editor, comment="Armenia escalates"):
        alert.ratings.create(country=armenia, stage_id=9, rationale="Killings began [1].")
        alert.save()
    submission = workflow.submit(
        alert=alert, user=editor, change_kind=ChangeKind.UPDATE, change_note="Escalation."
    )
    assert submission.approvals_required == 2
    assert "raises Armenia's highest stage from 8 to 9" in submission.escalation_reasons


def test_escalation_is_measured_again_at_approval_against_what_is_public_then(editor):
    rev_a, rev_b, rev_c = make_reviewer(), make_reviewer(), make_reviewer()
    other = make_alert(
        author=editor, title="Other", countries=("Armenia",), ratings={"Armenia": [9]}
    )
    publish(other, editor=editor, reviewers=[rev_a, rev_b])
    rising = make_alert(
        author=editor, title="Rising", countries=("Armenia",), ratings={"Armenia": [9]}
    )
    submission = workflow.submit(alert=rising, user=editor)
    assert submission.approvals_required == 1  # Armenia is at 9 already

    # Before anyone reviews it, the other alert is corrected: Armenia is at 5.
    with revision(user=editor, comment="Stage 9 was wrong"):
        rating = other.ratings.get()
        rating.stage_id = 5
        rating.save()
        other.save()
    publish(
        other,
        editor=editor,
        reviewers=[rev_c],
        change_kind=ChangeKind.CORRECTION,
        change_note="Armenia is at stage 5.",
    )

    assert workflow.approve(submission=submission, user=rev_a) is None
    assert_state(rising, "awaiting_second_approval")
    submission.refresh_from_db()
    assert submission.approvals_required == 2
    assert submission.escalation_reasons == ["raises Armenia's highest stage from 5 to 9"]
    publication = workflow.approve(submission=submission, user=rev_b)
    assert len(publication.approvers) == 2


def test_a_non_escalating_update_needs_one_approver(published, alert, editor):
    edit_alert(alert, user=editor, summary="Clarified wording [1].")
    submission = workflow.submit(
        alert=alert, user=editor, change_kind=ChangeKind.UPDATE, change_note="Clarified."
    )
    assert submission.approvals_required == 1


def test_request_changes_needs_a_comment_and_returns_it_to_the_editor(alert, editor, reviewers):
    submission = workflow.submit(alert=alert, user=editor)
    assert_refused(
        "comment is required",
        workflow.request_changes,
        submission=submission,
        user=reviewers[0],
        comment=" ",
    )
    workflow.request_changes(submission=submission, user=reviewers[0], comment="Cite the UN.")
    assert_state(alert, "changes_requested")
    assert_refused(
        "not awaiting review", workflow.approve, submission=submission, user=reviewers[1]
    )


def test_queue_leaves_out_what_the_reviewer_may_not_approve(editor, reviewers):
    mine = make_alert(author=reviewers[0], title="Written by a reviewer")
    theirs = make_alert(author=editor, title="Written by the editor")
    own = workflow.submit(alert=mine, user=editor)
    other = workflow.submit(alert=theirs, user=editor)

    assert workflow.awaiting_review_by(reviewers[0]) == [other]
    assert workflow.awaiting_review_by(reviewers[1]) == [own, other]
    assert workflow.awaiting_review_by(editor) == []


# --- Publication ---------------------------------------------------------------------


def test_publication_is_the_approved_snapshot_numbered_per_alert(published, alert):
    assert published.number == 1
    assert published.snapshot == published.submission.snapshot
    assert published.snapshot_hash == snapshot_hash(published.snapshot)
    assert published.change_kind == ChangeKind.FIRST
    assert_state(alert, "published")
    assert sorted(
        PublishedDetermination.objects.filter(publication=published).values_list(
            "country__name", "stage_id"
        )
    ) == [("Armenia", 8), ("Azerbaijan", 9), ("Azerbaijan", 10)]


def test_publication_cannot_be_changed_or_deleted_by_any_path(published):
    published.title = "Rewritten history"
    with pytest.raises(ImmutableError):
        published.save()
    with pytest.raises(ImmutableError):
        published.delete()
    with pytest.raises(ImmutableError):
        Publication.objects.filter(pk=published.pk).update(title="x")
    with pytest.raises(ImmutableError):
        Publication.objects.filter(pk=published.pk).delete()
    with pytest.raises(ImmutableError):
        PublishedDetermination.objects.filter(publication=published).delete()
    with pytest.raises(ImmutableError):
        WorkflowEvent.objects.all().update(comment="x")
    published.refresh_from_db()
    assert published.title != "Rewritten history"


def test_editing_after_publication_leaves_the_public_version_unchanged(published, alert, editor):
    edit_alert(alert, user=editor, title="Working copy moved on")

    live = assert_live_snapshot(alert, published.snapshot)
    assert live.title != "Working copy moved on"
    assert_state(alert, "published_with_changes")


def test_editing_a_source_after_publication_leaves_the_publication_unchanged(published, alert):
    source = alert.citations.get(number=1).source
    source.title = "A different title"
    source.save()

    published.refresh_from_db()
    assert published.snapshot["citations"][0]["source"]["title"] != "A different title"


def test_scheduled_publication_is_invisible_until_go_live(alert, editor, reviewers):
    go_live = timezone.now() + datetime.timedelta(days=2)
    publication = publish(alert, editor=editor, reviewers=reviewers, go_live_at=go_live)
    before = go_live - datetime.timedelta(seconds=1)

    assert publication.go_live_at == go_live
    assert not Publication.objects.live(before).filter(pk=publication.pk).exists()
    assert_state(alert, "scheduled", now=before)
    assert Publication.objects.live(go_live).filter(pk=publication.pk).exists()
    assert_state(alert, "published", now=go_live)


def test_newer_publication_replaces_the_older_only_when_live(published, alert, editor, reviewers):
    edit_alert(alert, user=editor, title="Second version")
    go_live = timezone.now() + datetime.timedelta(hours=1)
    second = publish(
        alert,
        editor=editor,
        reviewers=reviewers,
        change_kind=ChangeKind.UPDATE,
        change_note="New facts.",
        go_live_at=go_live,
    )
    assert workflow.live_publication(alert) == published
    assert workflow.live_publication(alert, now=go_live) == second


# --- Withdrawal ----------------------------------------------------------------------


def test_reviewer_withdraws_with_a_public_reason(published, alert, reviewers, editor):
    assert_refused("Only reviewers", workflow.withdraw, alert=alert, user=editor, reason="Wrong")
    assert_refused("reason", workflow.withdraw, alert=alert, user=reviewers[0], reason="")

    withdrawal = workflow.withdraw(alert=alert, user=reviewers[0], reason="Sources retracted.")

    assert withdrawal.reason == "Sources retracted."
    assert not Publication.objects.live().filter(alert=alert).exists()
    assert_state(alert, "withdrawn")
    assert actions_of(alert)[-1] == "withdrawn"


def test_an_unpublished_alert_cannot_be_withdrawn(alert, reviewers):
    assert_refused("never was", workflow.withdraw, alert=alert, user=reviewers[0], reason="x")


# --- Audit and mail ------------------------------------------------------------------


def test_events_record_actor_states_and_comments(alert, editor, reviewers):
    submission = workflow.submit(alert=alert, user=editor)
    workflow.request_changes(submission=submission, user=reviewers[0], comment="Add sources.")
    edit_alert(alert, user=editor, summary="With sources [1][2].")
    submission = workflow.submit(alert=alert, user=editor)
    workflow.approve(submission=submission, user=reviewers[0], comment="Good.")

    events = list(WorkflowEvent.objects.filter(alert_ref=alert.pk).order_by("created_at", "id"))
    assert [(e.action, e.actor_name, e.from_state, e.to_state) for e in events] == [
        ("submitted", "editor", "draft", "in_review"),
        ("changes_requested", "rev_a", "in_review", "changes_requested"),
        ("submitted", "editor", "changes_requested", "in_review"),
        ("published", "rev_a", "in_review", "published"),
    ]
    assert events[1].comment == "Add sources."


def test_events_survive_deletion_of_the_alert(alert, editor, reviewers):
    submission = workflow.submit(alert=alert, user=editor)
    workflow.request_changes(submission=submission, user=reviewers[0], comment="No.")
    pk, title = alert.pk, alert.title
    # A submitted alert is kept (test_audit_trail.py); its submissions are removed
    # behind the workflow's back here, so that the alert can go, to show that nothing
    # a deletion does reaches the audit rows.
    Submission.objects.filter(alert_id=pk).delete()
    with revision(user=editor, comment="deleted"):
        Alert.objects.get(pk=pk).delete()

    events = WorkflowEvent.objects.filter(alert_ref=pk)
    assert events.count() == 2
    assert {e.alert_title for e in events} == {title}
    # Ids, not foreign keys: nothing a deletion does reaches the audit rows.
    assert {e.submission_ref for e in events} == {submission.pk}


def test_mail_is_queued_by_the_transition_for_the_worker(alert, editor, reviewers):
    submission = workflow.submit(alert=alert, user=editor)
    assert [m["recipients"] for m in queued_mail()] == [["rev_a@example.org", "rev_b@example.org"]]

    workflow.approve(submission=submission, user=reviewers[0])
    approved = queued_mail()[-1]
    assert approved["recipients"] == ["editor@example.org"]
    assert "publication 1" in approved["body"]
    assert mail.outbox == [], "nothing is sent inside the request"


def test_a_rolled_back_transition_sends_no_mail(alert, editor, reviewers):
    class Abort(Exception):
        pass

    def submit_then_fail():
        with transaction.atomic():
            workflow.submit(alert=alert, user=editor)
            raise Abort

    with pytest.raises(Abort):
        submit_then_fail()

    assert not Submission.objects.filter(alert=alert).exists()
    assert not WorkflowEvent.objects.filter(alert_ref=alert.pk).exists()
    assert queued_mail() == []


def test_withdrawing_closes_an_open_submission_with_an_audit_row(
    published, alert, editor, reviewers
):
    edit_alert(alert, user=editor, summary="Pending update [1].")
    submission = workflow.submit(
        alert=alert, user=editor, change_kind=ChangeKind.UPDATE, change_note="Pending."
    )

    workflow.withdraw(alert=alert, user=reviewers[0], reason="Retracted.")

    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUPERSEDED
    assert actions_of(alert)[-2:] == ["superseded", "withdrawn"]
    assert_refused("withdrawn", workflow.submit, alert=alert, user=editor)


def test_approving_without_a_comment_argument_value_works(alert, editor, reviewers):
    submission = workflow.submit(alert=alert, user=editor)
    assert workflow.approve(submission=submission, user=reviewers[0], comment=None).number == 1


def test_a_title_with_a_line_break_does_not_break_the_mail(editor, reviewers):
    alert = make_alert(author=editor, title="Two\nlines")
    workflow.submit(alert=alert, user=editor)
    assert queued_mail()[-1]["subject"] == "Review requested: Two lines"
