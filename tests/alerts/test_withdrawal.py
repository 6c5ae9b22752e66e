"""Withdrawal by one reviewer, confirmed or rejected by a second; restoration as a new,
reviewed publication; and the public record that stays whatever happens."""

import pytest
from django.urls import reverse

from alerts import workflow
from alerts.models import (
    ChangeKind,
    ImmutableError,
    Publication,
    Submission,
    WithdrawalReview,
)
from tests.alerts.admin.test_workflow_admin import client_for
from tests.alerts.workflow_helpers import actions_of, assert_refused, assert_state, publish
from tests.builders import edit_alert, make_alert, make_reviewer
from tests.tasks import queued_mail

pytestmark = pytest.mark.django_db

SECRET_TEXT = "A sentence only the withdrawn version holds."


@pytest.fixture
def reviewers(db):
    return [make_reviewer("rev_a"), make_reviewer("rev_b"), make_reviewer("rev_c")]


@pytest.fixture
def withdrawal(editor, reviewers):
    alert = make_alert(author=editor, title="Killings in the valley", background=SECRET_TEXT)
    publish(alert, editor=editor, reviewers=reviewers[2:])
    return workflow.withdraw(alert=alert, user=reviewers[0], reason="The key witness recanted.")


def live_numbers(alert):
    return sorted(Publication.objects.live().filter(alert=alert).values_list("number", flat=True))


def test_a_withdrawal_takes_effect_at_once_and_asks_a_second_reviewer(withdrawal, reviewers):
    alert = withdrawal.alert
    assert live_numbers(alert) == []
    assert_state(alert, "withdrawn")
    assert list(workflow.unreviewed_withdrawals()) == [withdrawal]
    [ask] = [m for m in queued_mail() if m["subject"].startswith("Confirm or reject")]
    assert set(ask["recipients"]) == {"rev_b@example.org", "rev_c@example.org"}
    assert reverse("admin:alerts_withdrawal_change", args=[withdrawal.pk]) in ask["body"]


def test_the_reviewer_who_withdrew_cannot_decide_on_it(withdrawal, reviewers):
    assert_refused(
        "another reviewer", workflow.confirm_withdrawal, withdrawal=withdrawal, user=reviewers[0]
    )
    assert_refused(
        "another reviewer",
        workflow.reject_withdrawal,
        withdrawal=withdrawal,
        user=reviewers[0],
        reason="Changed my mind.",
    )


def test_an_editor_cannot_decide_on_a_withdrawal(withdrawal, editor):
    assert_refused(
        "Only reviewers", workflow.confirm_withdrawal, withdrawal=withdrawal, user=editor
    )


def test_a_confirmed_withdrawal_stays_and_is_decided_once(withdrawal, reviewers):
    review = workflow.confirm_withdrawal(
        withdrawal=withdrawal, user=reviewers[1], comment="Agreed."
    )
    assert review.decision == WithdrawalReview.Decision.CONFIRMED
    assert list(workflow.unreviewed_withdrawals()) == []
    assert actions_of(withdrawal.alert)[-1] == "withdrawal_confirmed"
    assert_state(withdrawal.alert, "withdrawn")
    assert_refused(
        "already decided",
        workflow.reject_withdrawal,
        withdrawal=withdrawal,
        user=reviewers[2],
        reason="No.",
    )
    with pytest.raises(ImmutableError):
        review.save()


def test_a_rejected_withdrawal_restores_the_alert_through_review(withdrawal, reviewers):
    alert = withdrawal.alert
    review, submission = workflow.reject_withdrawal(
        withdrawal=withdrawal, user=reviewers[1], reason="The recantation was coerced."
    )
    assert review.decision == WithdrawalReview.Decision.REJECTED
    assert submission.status == Submission.Status.PENDING
    assert submission.change_kind == ChangeKind.RESTORATION
    assert "The recantation was coerced." in submission.change_note
    assert live_numbers(alert) == [], "nothing is un-withdrawn in place"

    # The rejecting reviewer submitted it: someone else must approve it.
    assert_refused("someone else", workflow.approve, submission=submission, user=reviewers[1])
    restored = workflow.approve(submission=submission, user=reviewers[2])

    assert restored.number == 2
    assert restored.change_kind == ChangeKind.RESTORATION
    assert live_numbers(alert) == [2], "version 1 stays withdrawn; version 2 is new"
    assert_state(alert, "published")
    assert withdrawal.last_number == 1


def test_a_later_decision_restores_a_confirmed_withdrawal_with_corrected_content(
    withdrawal, reviewers, editor
):
    alert = withdrawal.alert
    workflow.confirm_withdrawal(withdrawal=withdrawal, user=reviewers[1])
    edit_alert(alert, user=editor, background="The corrected background [2].")

    assert_refused(
        "only be submitted as a restoration",
        workflow.submit,
        alert=alert,
        user=editor,
        change_kind=ChangeKind.UPDATE,
        change_note="Back.",
    )
    assert_refused(
        "public change note",
        workflow.submit,
        alert=alert,
        user=editor,
        change_kind=ChangeKind.RESTORATION,
    )
    restored = publish(
        alert,
        editor=editor,
        reviewers=reviewers[1:],
        change_kind=ChangeKind.RESTORATION,
        change_note="Restored with the corrected background: new sources confirm the killings.",
    )
    assert restored.number == 2
    assert SECRET_TEXT not in restored.content_html

    # It can be withdrawn again; that withdrawal takes version 2 down.
    again = workflow.withdraw(alert=alert, user=reviewers[0], reason="Withdrawn once more.")
    assert again.last_number == 2
    assert live_numbers(alert) == []


def test_only_a_withdrawn_alert_can_be_restored(alert, editor, reviewers):
    publish(alert, editor=editor, reviewers=reviewers[:1])
    edit_alert(alert, user=editor, summary="Changed [1].")
    assert_refused(
        "Only a withdrawn alert",
        workflow.submit,
        alert=alert,
        user=editor,
        change_kind=ChangeKind.RESTORATION,
        change_note="Restore?",
    )


# --- What the public keeps ----------------------------------------------------------------


def test_the_alerts_address_keeps_the_notice_and_the_list_of_versions(withdrawal, client):
    response = client.get(reverse("public:alert_detail", args=[withdrawal.alert.slug]))
    page = response.content.decode()
    assert response.status_code == 410
    assert "The key witness recanted." in page
    assert "Version 1" in page
    assert "First publication" in page
    assert SECRET_TEXT not in page


def test_the_versions_address_keeps_the_record_too(withdrawal, client):
    response = client.get(reverse("public:alert_versions", args=[withdrawal.alert.slug]))
    page = response.content.decode()
    assert response.status_code == 410
    assert "Version 1" in page
    assert SECRET_TEXT not in page


def test_a_restored_alert_lists_the_withdrawn_version_without_its_text(
    withdrawal, reviewers, client
):
    _, submission = workflow.reject_withdrawal(
        withdrawal=withdrawal, user=reviewers[1], reason="The recantation was coerced."
    )
    workflow.approve(submission=submission, user=reviewers[2])
    slug = withdrawal.alert.slug

    versions = client.get(reverse("public:alert_versions", args=[slug])).content.decode()
    assert "withdrawn on" in versions
    assert reverse("public:alert_version", args=[slug, 1]) not in versions
    assert reverse("public:alert_version", args=[slug, 2]) in versions
    assert "Restoration" in versions
    assert client.get(reverse("public:alert_version", args=[slug, 1])).status_code == 404

    page = client.get(reverse("public:alert_detail", args=[slug])).content.decode()
    assert "Restored" in page
    assert "The recantation was coerced." in page


def test_a_country_page_stays_up_and_says_an_alert_about_it_was_withdrawn(
    editor, reviewers, client
):
    alert = make_alert(
        author=editor,
        title="Only alert on the island",
        countries=("Tiny Island",),
        ratings={"Tiny Island": [7]},
    )
    publish(alert, editor=editor, reviewers=reviewers[2:])
    workflow.withdraw(alert=alert, user=reviewers[0], reason="Wrong island.")

    response = client.get(reverse("public:country_detail", args=["tiny-island"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Wrong island." in page
    assert "Not rated by any current alert" in page


# --- In the admin, over HTTP ----------------------------------------------------------------


def test_unconfirmed_withdrawals_lead_the_review_queue(withdrawal, reviewers):
    queue = client_for(reviewers[1]).get(reverse("admin:alerts_submission_queue"))
    page = queue.content.decode()
    assert "Withdrawals awaiting a second reviewer" in page
    assert reverse("admin:alerts_withdrawal_change", args=[withdrawal.pk]) in page


def test_a_second_reviewer_rejects_in_the_admin_and_lands_on_the_restoration(withdrawal, reviewers):
    client = client_for(reviewers[1])
    url = reverse("admin:alerts_withdrawal_change", args=[withdrawal.pk])
    assert "Reject it and restore the alert" in client.get(url).content.decode()

    refused = client.post(url, {"decision": "reject", "comment": ""})
    assert refused.status_code == 200
    assert not WithdrawalReview.objects.exists()

    response = client.post(url, {"decision": "reject", "comment": "Coerced recantation."})
    submission = Submission.objects.get(change_kind=ChangeKind.RESTORATION)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:alerts_submission_change", args=[submission.pk])


def test_the_withdrawer_sees_no_decision_form(withdrawal, reviewers):
    url = reverse("admin:alerts_withdrawal_change", args=[withdrawal.pk])
    page = client_for(reviewers[0]).get(url).content.decode()
    assert "another reviewer must decide" in page
    assert "decide-withdrawal-form" not in page
    client_for(reviewers[0]).post(url, {"decision": "confirm", "comment": ""})
    assert not WithdrawalReview.objects.exists()


def restore(withdrawal, reviewers):
    _, submission = workflow.reject_withdrawal(
        withdrawal=withdrawal, user=reviewers[1], reason="The recantation was coerced."
    )
    return workflow.approve(submission=submission, user=reviewers[2])


def test_a_restored_alerts_old_address_leads_to_its_new_one(withdrawal, reviewers, editor, client):
    old_slug = withdrawal.alert.slug
    edit_alert(withdrawal.alert, user=editor, slug="killings-in-the-valley-restored")
    restored = restore(withdrawal, reviewers)
    assert restored.slug == "killings-in-the-valley-restored"

    response = client.get(reverse("public:alert_detail", args=[old_slug]))
    assert response.status_code == 301
    assert response["Location"] == reverse("public:alert_detail", args=[restored.slug])


def test_a_restored_alert_leaves_the_queue_and_its_countries_pages(withdrawal, reviewers, client):
    workflow.confirm_withdrawal(withdrawal=withdrawal, user=reviewers[1])
    alert = withdrawal.alert
    assert_refused(
        "already decided", workflow.confirm_withdrawal, withdrawal=withdrawal, user=reviewers[2]
    )
    editor = alert.created_by
    edit_alert(alert, user=editor, summary="Corrected [1].")
    publish(
        alert,
        editor=editor,
        reviewers=reviewers[1:],
        change_kind=ChangeKind.RESTORATION,
        change_note="Restored.",
    )
    assert list(workflow.unreviewed_withdrawals()) == []
    page = client.get(reverse("public:country_detail", args=["armenia"])).content.decode()
    assert "The key witness recanted." not in page


def test_each_withdrawal_of_an_alert_has_its_own_feed_entry(withdrawal, reviewers, client):
    restore(withdrawal, reviewers)
    workflow.withdraw(alert=withdrawal.alert, user=reviewers[0], reason="Withdrawn again.")
    import feedparser

    feed = feedparser.parse(client.get(reverse("public:feed_alerts")).content)
    ids = [e.id for e in feed.entries if e.title == "Alert withdrawn"]
    assert len(ids) == 2
    assert len(set(ids)) == 2


def test_the_stored_withdrawal_records_the_versions_it_took_down(withdrawal):
    from alerts.models import Withdrawal

    assert Withdrawal.objects.get(pk=withdrawal.pk).last_number == 1
