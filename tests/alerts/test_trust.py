"""What a reviewer's approval counts for, and what is refused when the submitted content
was changed behind the workflow's back (parts of the editorial-trust issue)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from alerts import audit, workflow
from alerts.models import Approval, ImmutableError, Level, Publication, Submission
from alerts.roles import REVIEWERS
from tests.alerts.workflow_helpers import actions_of, assert_refused
from tests.builders import make_alert, make_reviewer

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated(editor):
    """An Emergency: it needs two approvals."""
    alert = make_alert(author=editor, title="Emergency", level=Level.EMERGENCY)
    submission = workflow.submit(alert=alert, user=editor)
    assert submission.approvals_required == 2
    return submission


def test_an_approval_by_someone_since_deactivated_does_not_count(escalated):
    first, second = make_reviewer("first"), make_reviewer("second")
    workflow.approve(submission=escalated, user=first)
    first.is_active = False
    first.save()

    assert workflow.approve(submission=escalated, user=second) is None
    assert not Publication.objects.exists()
    third = make_reviewer("third")
    assert workflow.approve(submission=escalated, user=third).approvers == ["second", "third"]


def test_an_approval_by_someone_who_lost_the_review_role_does_not_count(escalated):
    first, second = make_reviewer("first"), make_reviewer("second")
    workflow.approve(submission=escalated, user=first)
    first.groups.remove(Group.objects.get(name=REVIEWERS))

    assert workflow.approve(submission=escalated, user=second) is None
    assert not Publication.objects.exists()


def test_approvals_are_write_once(escalated):
    approval = Approval.objects.create(submission=escalated, reviewer=make_reviewer("first"))
    with pytest.raises(ImmutableError):
        approval.save()
    with pytest.raises(ImmutableError):
        approval.delete()
    with pytest.raises(ImmutableError):
        Approval.objects.filter(pk=approval.pk).update(comment="Rewritten")


def test_a_snapshot_changed_outside_the_workflow_is_refused_and_recorded(alert, editor):
    submission = workflow.submit(alert=alert, user=editor)
    tampered = dict(submission.snapshot, summary="Words no reviewer saw [1].")
    # Submissions are the workflow's records; raw writes are what this guards against.
    Submission.objects.filter(pk=submission.pk).update(snapshot=tampered)

    error = assert_refused(
        "does not match what was submitted",
        workflow.approve,
        submission=submission,
        user=make_reviewer("careful"),
    )
    assert "submitted again" in str(error)
    assert not Publication.objects.exists()
    assert not Approval.objects.exists()
    assert actions_of(alert)[-1] == "integrity_failure"
    # Written in a transaction of its own, and chained like every other event.
    assert audit.verify().broken is None


def test_the_admin_says_why_a_tampered_submission_is_refused(alert, editor):
    from tests.alerts.admin.test_workflow_admin import client_for

    submission = workflow.submit(alert=alert, user=editor)
    Submission.objects.filter(pk=submission.pk).update(
        snapshot=dict(submission.snapshot, title="Not what was submitted")
    )
    client = client_for(make_reviewer("careful"))
    url = reverse("admin:alerts_submission_change", args=[submission.pk])
    response = client.post(url, {"action": "approve", "approve-comment": ""}, follow=True)
    assert "does not match what was submitted" in response.content.decode()
    assert not Publication.objects.exists()


def test_staff_sessions_last_a_working_day(client, editor, settings):
    client.force_login(editor)
    assert client.session.get_expiry_age() == 9 * 3600
    assert settings.SESSION_COOKIE_AGE == 9 * 3600
