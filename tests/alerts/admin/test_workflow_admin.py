"""The review workflow through the admin, with Django's test client.

State is set up through alerts.workflow; the admin is then driven as a person would,
and every refused action must leave the database exactly as it was.
"""

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alerts import workflow
from alerts.models import (
    Approval,
    ChangeKind,
    Level,
    Publication,
    Submission,
    Withdrawal,
    WorkflowEvent,
)
from alerts.states import STATES
from tests.alerts.workflow_helpers import publish
from tests.builders import (
    edit_alert,
    login_verified,
    make_alert,
    make_editor,
    make_reviewer,
    make_user,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "staff", "editor", "reviewer", "superuser"]


def make_role_user(role):
    """A user of ``role`` who has never touched the alert under test."""
    if role == "anonymous":
        return AnonymousUser()
    if role == "staff":
        user = make_user("staff_only")  # staff, but in no group: no permissions at all
        user.is_staff = True
        user.save()
        return user
    if role == "editor":
        return make_editor("other_editor")
    if role == "reviewer":
        return make_reviewer("the_reviewer")
    return make_user("the_boss", superuser=True)


def client_for(user):
    client = Client()
    if user.is_authenticated:
        login_verified(client, user)
    return client


def db_state():
    """Everything a workflow transition could change."""
    return (
        list(Submission.objects.order_by("pk").values_list("pk", "status", "decided_at")),
        list(Approval.objects.order_by("pk").values_list("pk")),
        list(Publication.objects.order_by("pk").values_list("pk")),
        list(Withdrawal.objects.order_by("pk").values_list("pk")),
        list(WorkflowEvent.objects.order_by("pk").values_list("pk")),
    )


def review_url(submission):
    return reverse("admin:alerts_submission_change", args=[submission.pk])


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- The permission matrix -----------------------------------------------------------

# What each role may do through the admin. "login": sent to the login page;
# "forbidden": 403 (no access to the page at all); "refused": the page shows the
# workflow's refusal as an error message; "allowed": the transition happens.
EXPECTED = {
    "submit": {
        "anonymous": "login",
        "staff": "forbidden",
        "editor": "allowed",
        "reviewer": "refused",
        "superuser": "allowed",
    },
    "approve": {
        "anonymous": "login",
        "staff": "forbidden",
        "editor": "refused",
        "reviewer": "allowed",
        "superuser": "allowed",
    },
    "request_changes": {
        "anonymous": "login",
        "staff": "forbidden",
        "editor": "refused",
        "reviewer": "allowed",
        "superuser": "allowed",
    },
    "withdraw": {
        "anonymous": "login",
        "staff": "forbidden",
        "editor": "refused",
        "reviewer": "allowed",
        "superuser": "allowed",
    },
}

REFUSALS = {
    "submit": "Only editors can submit an alert for review.",
    "approve": "Only reviewers can approve a submission.",
    "request_changes": "Only reviewers can request changes.",
    "withdraw": "Only reviewers can withdraw an alert.",
}


def prepare(transition, alert, editor):
    """Bring the alert to the state the transition starts from; return (url, data)."""
    if transition == "submit":
        return reverse("admin:alerts_alert_submit", args=[alert.pk]), {}
    if transition == "withdraw":
        publish(alert, editor=editor, reviewers=[make_reviewer("first_reviewer")])
        return (
            reverse("admin:alerts_alert_withdraw", args=[alert.pk]),
            {"reason": "The sources were retracted."},
        )
    submission = workflow.submit(alert=alert, user=editor)
    if transition == "approve":
        return review_url(submission), {"action": "approve", "approve-comment": "Good."}
    return review_url(submission), {"action": "request_changes", "changes-comment": "Cite more."}


def transition_happened(transition, alert):
    if transition == "submit":
        return Submission.objects.filter(alert=alert, status="pending").exists()
    if transition == "approve":
        return Publication.objects.filter(alert=alert).exists()
    if transition == "request_changes":
        return Submission.objects.filter(alert=alert, status="changes_requested").exists()
    return Withdrawal.objects.filter(alert=alert).exists()


@pytest.mark.parametrize("transition", list(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_through_the_admin(role, transition, alert, editor):
    url, data = prepare(transition, alert, editor)
    user = make_role_user(role)
    before = db_state()

    response = client_for(user).post(url, data)

    expected = EXPECTED[transition][role]
    if expected == "allowed":
        assert response.status_code == 302, messages_of(response)
        assert transition_happened(transition, alert)
        assert db_state() != before
        return
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    elif expected == "forbidden":
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert REFUSALS[transition] in messages_of(response)
    assert db_state() == before


@pytest.mark.parametrize("role", ["editor", "reviewer", "superuser"])
def test_buttons_on_the_change_page_match_the_role(role, alert, editor):
    publish(alert, editor=editor, reviewers=[make_reviewer("first_reviewer")])
    user = make_role_user(role)

    page = client_for(user).get(reverse("admin:alerts_alert_change", args=[alert.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert ('name="_save_and_submit"' in html) == (role in ("editor", "superuser"))
    assert (">Withdraw<" in html) == (role in ("reviewer", "superuser"))
    # Links everyone with access gets: preview, diff and the alert's event log.
    assert reverse("staff:alert_preview", args=[alert.pk]) in html
    assert reverse("admin:alerts_alert_diff", args=[alert.pk]) in html
    assert f"{reverse('admin:alerts_workflowevent_changelist')}?alert_ref={alert.pk}" in html
    assert "Published" in html


def test_review_page_buttons_match_the_role(alert, editor):
    submission = workflow.submit(alert=alert, user=editor)

    as_editor = client_for(make_editor("other_editor")).get(review_url(submission))
    as_reviewer = client_for(make_reviewer("rev")).get(review_url(submission))

    assert 'class="approve-form"' not in as_editor.content.decode()
    assert 'class="request-changes-form"' not in as_editor.content.decode()
    assert "Only reviewers can approve a submission." in as_editor.content.decode()
    assert 'class="approve-form"' in as_reviewer.content.decode()
    assert 'class="request-changes-form"' in as_reviewer.content.decode()


def test_submitter_sees_why_they_may_not_approve(alert, editor):
    from alerts.roles import EDITORS, REVIEWERS

    both = make_user("both", groups=[EDITORS, REVIEWERS])
    submission = workflow.submit(alert=alert, user=both)
    client = client_for(both)

    page = client.get(review_url(submission)).content.decode()
    assert "You submitted this alert, so someone else must approve it." in page
    assert 'class="approve-form"' not in page

    before = db_state()
    response = client.post(review_url(submission), {"action": "approve"})
    assert response.status_code == 200
    assert "You submitted this alert, so someone else must approve it." in messages_of(response)
    assert db_state() == before


def test_review_page_of_a_missing_submission_sends_to_the_admin_index(reviewer):
    response = client_for(reviewer).get(
        reverse("admin:alerts_submission_change", args=["404"]), follow=True
    )

    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert messages_of(response) == [
        "submission with ID “404” doesn’t exist. Perhaps it was deleted?"
    ]


# --- The review page -----------------------------------------------------------------


def test_review_page_shows_the_submission_and_first_publication(alert, editor, reviewer):
    submission = workflow.submit(alert=alert, user=editor)

    response = client_for(reviewer).get(review_url(submission))

    assert response.status_code == 200
    page = response.content.decode()
    assert alert.title in page
    assert "editor" in page
    assert "Awaiting review" in page
    assert "First publication" in page
    assert "0 of 1 required" in page
    assert "Nothing: this is the first publication" in page
    assert reverse("staff:submission_preview", args=[submission.pk]) in page
    assert f"?alert_ref={alert.pk}" in page


def test_review_page_shows_a_word_diff_against_the_live_publication(alert, editor, reviewer):
    publish(alert, editor=editor, reviewers=[make_reviewer("first_reviewer")])
    edit_alert(alert, user=editor, summary="A summary that cites the genocide convention [1].")
    submission = workflow.submit(
        alert=alert, user=editor, change_kind=ChangeKind.UPDATE, change_note="Named the treaty."
    )

    page = client_for(reviewer).get(review_url(submission)).content.decode()

    assert "Publication 1" in page
    assert "First publication" not in page
    assert "Named the treaty." in page
    assert "Update" in page
    assert "<ins> genocide</ins>" in page
    assert '<tr class="diff-field" data-field="summary">' in page
    assert 'data-field="title"' not in page  # unchanged fields are left out


def test_review_page_compares_with_a_scheduled_publication_not_with_nothing(alert, editor):
    go_live = timezone.now() + datetime.timedelta(days=3)
    publish(alert, editor=editor, reviewers=[make_reviewer("first_reviewer")], go_live_at=go_live)
    edit_alert(alert, user=editor, title="Retitled before going live")
    submission = workflow.submit(
        alert=alert, user=editor, change_kind=ChangeKind.CORRECTION, change_note="Title."
    )

    page = client_for(make_reviewer("rev")).get(review_url(submission)).content.decode()

    assert "Publication 1 (scheduled, not yet live)" in page
    assert "First publication" not in page
    assert "<ins>Retitled before going live</ins>" in page


def test_review_page_shows_escalation_reasons_and_approvals(editor):
    alert = make_alert(author=editor, level=Level.EMERGENCY)
    submission = workflow.submit(alert=alert, user=editor)
    first = make_reviewer("rev_a")
    workflow.approve(submission=submission, user=first, comment="Checked the sources.")

    page = client_for(make_reviewer("rev_b")).get(review_url(submission)).content.decode()

    assert "1 of 2 required" in page
    assert "raises the level to Genocide Emergency" in page
    assert "rev_a" in page
    assert "Checked the sources." in page
    assert 'class="approve-form"' in page


def test_stale_submission_shows_the_stale_message_and_cannot_be_approved(alert, editor, reviewer):
    submission = workflow.submit(alert=alert, user=editor)
    edit_alert(alert, user=editor, summary="Edited after submitting [1].")
    client = client_for(reviewer)

    page = client.get(review_url(submission)).content.decode()
    assert workflow.STALE_MESSAGE in page
    assert 'class="approve-form"' not in page
    assert 'class="request-changes-form"' in page  # the reviewer can still send it back

    before = db_state()
    response = client.post(review_url(submission), {"action": "approve"})
    assert response.status_code == 200
    assert workflow.STALE_MESSAGE in messages_of(response)
    assert db_state() == before


def test_request_changes_needs_a_comment(alert, editor, reviewer):
    submission = workflow.submit(alert=alert, user=editor)
    before = db_state()

    response = client_for(reviewer).post(
        review_url(submission), {"action": "request_changes", "changes-comment": "  "}
    )

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert db_state() == before


def test_approving_twice_shows_an_error_not_a_server_error(alert, editor, reviewer):
    submission = workflow.submit(alert=alert, user=editor)
    client = client_for(reviewer)
    assert client.post(review_url(submission), {"action": "approve"}).status_code == 302
    before = db_state()

    response = client.post(review_url(submission), {"action": "approve"})

    assert response.status_code == 200
    assert any("not awaiting review" in m for m in messages_of(response))
    assert db_state() == before


def test_approval_messages_and_redirects_to_the_review_page(alert, editor, reviewer):
    submission = workflow.submit(alert=alert, user=editor)

    response = client_for(reviewer).post(
        review_url(submission),
        {"action": "approve", "approve-comment": "Well sourced."},
        follow=True,
    )

    assert response.redirect_chain == [(review_url(submission), 302)]
    assert "Approved and published as publication 1." in messages_of(response)
    assert Approval.objects.get(submission=submission).comment == "Well sourced."


def test_review_actions_are_csrf_protected(alert, editor, reviewer):
    submission = workflow.submit(alert=alert, user=editor)
    client = Client(enforce_csrf_checks=True)
    login_verified(client, reviewer)
    before = db_state()

    response = client.post(review_url(submission), {"action": "approve"})

    assert response.status_code == 403
    assert db_state() == before


def test_inline_styles_carry_the_csp_nonce(alert, editor, reviewer):
    submission = workflow.submit(alert=alert, user=editor)

    response = client_for(reviewer).get(review_url(submission))

    page = response.content.decode()
    nonces = re.findall(r'<style nonce="([^"]+)">', page)
    assert len(nonces) == 1  # the review page's (the diff's styles are a stylesheet)
    assert "<style>" not in page
    policy = response["Content-Security-Policy"]
    assert all(f"'nonce-{nonce}'" in policy for nonce in nonces)


# --- Preview of the submitted snapshot -----------------------------------------------


def test_submission_preview_shows_the_exact_submitted_snapshot(alert, editor, reviewer):
    edit_alert(alert, user=editor, summary="The submitted wording [1].")
    submission = workflow.submit(alert=alert, user=editor)
    edit_alert(alert, user=editor, summary="Wording changed after submitting [1].")

    response = client_for(reviewer).get(reverse("staff:submission_preview", args=[submission.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "The submitted wording" in page
    assert "changed after submitting" not in page
    cache_control = {v.strip() for v in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control


def test_submission_preview_needs_the_preview_permission(alert, editor):
    submission = workflow.submit(alert=alert, user=editor)
    url = reverse("staff:submission_preview", args=[submission.pk])

    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("admin:login"))
    bystander = client_for(make_role_user("staff")).get(url)
    assert bystander.status_code == 403
    assert alert.title not in bystander.content.decode()


# --- The queue -----------------------------------------------------------------------


def test_queue_leaves_out_submissions_the_reviewer_may_not_approve(editor):
    reviewer = make_reviewer("rev_a")
    mine = make_alert(author=reviewer, title="Written by the reviewer")
    theirs = make_alert(author=editor, title="Written by the editor")
    workflow.submit(alert=mine, user=editor)
    other = workflow.submit(alert=theirs, user=editor)

    response = client_for(reviewer).get(reverse("admin:alerts_submission_queue"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Written by the editor" in page
    assert "Written by the reviewer" not in page
    assert review_url(other) in page
    assert reverse("staff:submission_preview", args=[other.pk]) in page


def test_queue_for_someone_who_is_not_a_reviewer(alert, editor):
    workflow.submit(alert=alert, user=editor)

    page = client_for(editor).get(reverse("admin:alerts_submission_queue")).content.decode()

    assert "Only reviewers have a review queue." in page
    assert alert.title not in page


def test_queue_is_linked_from_the_admin_index_and_the_submission_list(reviewer, editor):
    queue = reverse("admin:alerts_submission_queue")
    client = client_for(reviewer)

    assert queue in client.get(reverse("admin:index")).content.decode()
    assert queue in client.get(reverse("admin:alerts_submission_changelist")).content.decode()
    assert queue not in client_for(editor).get(reverse("admin:index")).content.decode()


# --- Submitting and withdrawing through the admin forms ------------------------------


def test_submit_form_asks_for_change_note_only_after_publication(alert, editor):
    client = client_for(editor)
    url = reverse("admin:alerts_alert_submit", args=[alert.pk])

    first = client.get(url).content.decode()
    assert 'name="change_note"' not in first
    assert 'name="go_live_at"' in first

    publish(alert, editor=editor, reviewers=[make_reviewer("rev")])
    edit_alert(alert, user=editor, summary="Updated [1].")
    later = client.get(url).content.decode()
    assert 'name="change_note"' in later
    assert 'name="change_kind"' in later

    before = db_state()
    response = client.post(url, {"change_kind": "update", "change_note": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert db_state() == before

    response = client.post(url, {"change_kind": "correction", "change_note": "Fixed a date."})
    assert response.status_code == 302
    submission = Submission.objects.get(alert=alert, status="pending")
    assert (submission.change_kind, submission.change_note) == ("correction", "Fixed a date.")


def test_submitting_again_warns_that_approvals_given_will_not_count(editor):
    alert = make_alert(author=editor, level=Level.EMERGENCY)  # needs two approvals
    url = reverse("admin:alerts_alert_submit", args=[alert.pk])
    assert "already in review" not in client_for(editor).get(url).content.decode()
    submission = workflow.submit(alert=alert, user=editor)
    assert "already in review" in client_for(editor).get(url).content.decode()

    workflow.approve(submission=submission, user=make_reviewer("first_reviewer"))
    page = client_for(editor).get(url).content.decode()

    assert "Submitting again replaces that submission" in page
    assert "the 1 approval it has (of 2 needed) will not count" in page


def test_submit_with_a_go_live_time_is_an_aware_utc_datetime(alert, editor):
    response = client_for(editor).post(
        reverse("admin:alerts_alert_submit", args=[alert.pk]), {"go_live_at": "2099-03-04T05:06"}
    )

    assert response.status_code == 302
    submission = Submission.objects.get(alert=alert)
    assert submission.go_live_at == datetime.datetime(2099, 3, 4, 5, 6, tzinfo=datetime.UTC)


def test_submit_refusal_from_the_workflow_is_an_error_message(alert, editor):
    edit_alert(alert, user=editor, assessment="Cites a missing source [5].")
    client = client_for(editor)
    url = reverse("admin:alerts_alert_submit", args=[alert.pk])

    page = client.get(url).content.decode()
    assert "Assessment cites [5]" in page  # the problems are listed before trying

    response = client.post(url, {})
    assert response.status_code == 200
    assert any("cannot be submitted yet" in m for m in messages_of(response))
    assert not Submission.objects.exists()


def test_withdraw_needs_a_reason(alert, editor, reviewer):
    publish(alert, editor=editor, reviewers=[make_reviewer("rev")])
    before = db_state()

    response = client_for(reviewer).post(
        reverse("admin:alerts_alert_withdraw", args=[alert.pk]), {"reason": ""}
    )

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert db_state() == before


def test_withdrawing_an_unpublished_alert_is_refused(alert, reviewer):
    url = reverse("admin:alerts_alert_withdraw", args=[alert.pk])
    client = client_for(reviewer)

    assert "never was" in client.get(url).content.decode()
    response = client.post(url, {"reason": "No."})
    assert response.status_code == 200
    assert any("never was" in m for m in messages_of(response))
    assert not Withdrawal.objects.exists()


def test_alert_diff_view_compares_the_working_copy_with_the_live_publication(alert, editor):
    publish(alert, editor=editor, reviewers=[make_reviewer("rev")])
    edit_alert(alert, user=editor, title="A new headline")

    response = client_for(editor).get(reverse("admin:alerts_alert_diff", args=[alert.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Publication 1" in page
    assert "Working copy" in page
    assert "<ins>A new headline</ins>" in page


def test_editor_sees_the_reviewers_comment_on_the_alert(alert, editor, reviewer):
    submission = workflow.submit(alert=alert, user=editor)
    workflow.request_changes(submission=submission, user=reviewer, comment="Cite the UN report.")

    page = (
        client_for(editor)
        .get(reverse("admin:alerts_alert_change", args=[alert.pk]))
        .content.decode()
    )

    assert "Changes requested" in page
    assert "Cite the UN report." in page


# --- The alert changelist ------------------------------------------------------------


@pytest.fixture
def alerts_in_three_states(editor):
    draft = make_alert(author=editor, title="Still a draft")
    in_review = make_alert(author=editor, title="Up for review")
    workflow.submit(alert=in_review, user=editor)
    published = make_alert(author=editor, title="Out in public")
    publish(published, editor=editor, reviewers=[make_reviewer("rev")])
    return draft, in_review, published


def test_changelist_shows_each_alerts_state(editor, alerts_in_three_states):
    page = client_for(editor).get(reverse("admin:alerts_alert_changelist")).content.decode()

    assert '<td class="field-state">Draft</td>' in page
    assert '<td class="field-state">In review</td>' in page
    assert '<td class="field-state">Published</td>' in page


@pytest.mark.parametrize(
    ("state", "shown", "hidden"),
    [
        ("draft", "Still a draft", ["Up for review", "Out in public"]),
        ("in_review", "Up for review", ["Still a draft", "Out in public"]),
        ("published", "Out in public", ["Still a draft", "Up for review"]),
    ],
)
def test_changelist_filters_by_state(editor, alerts_in_three_states, state, shown, hidden):
    response = client_for(editor).get(
        reverse("admin:alerts_alert_changelist"), {"workflow_state": state}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert shown in page
    for title in hidden:
        assert title not in page


def test_state_filter_offers_every_state(editor, alert):
    page = client_for(editor).get(reverse("admin:alerts_alert_changelist")).content.decode()

    for key, label in STATES.items():
        assert f"?workflow_state={key}" in page, key
        assert label in page


# --- The audit trail in the admin ----------------------------------------------------


@pytest.fixture
def event(alert, editor):
    workflow.submit(alert=alert, user=editor)
    return WorkflowEvent.objects.get(alert_ref=alert.pk)


@pytest.mark.parametrize("role", ["editor", "reviewer", "superuser"])
def test_events_cannot_be_changed_or_deleted_in_the_admin(role, event):
    client = client_for(make_role_user(role))
    change = reverse("admin:alerts_workflowevent_change", args=[event.pk])
    delete = reverse("admin:alerts_workflowevent_delete", args=[event.pk])
    changelist = reverse("admin:alerts_workflowevent_changelist")

    assert client.get(change).status_code == 200  # readable
    assert client.post(change, {"comment": "rewritten", "action": "published"}).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:alerts_workflowevent_add")).status_code == 403
    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    event.refresh_from_db()
    assert event.comment == ""
    assert WorkflowEvent.objects.filter(pk=event.pk).exists()


def test_event_log_filters_by_alert_ref(editor, alert):
    other = make_alert(author=editor, title="Another alert entirely")
    workflow.submit(alert=alert, user=editor)
    workflow.submit(alert=other, user=editor)

    response = client_for(editor).get(
        reverse("admin:alerts_workflowevent_changelist"), {"alert_ref": alert.pk}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert alert.title in page
    assert "Another alert entirely" not in page


def test_event_log_names_states_as_the_rest_of_the_admin_does(editor, alert):
    workflow.submit(alert=alert, user=editor)

    page = client_for(editor).get(reverse("admin:alerts_workflowevent_changelist")).content.decode()

    assert f">{STATES['in_review']}<" in page
    assert ">in_review<" not in page
