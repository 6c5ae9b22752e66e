"""Every role × every transition, called on alerts.workflow directly.

The checks live in the functions, not in the buttons: this matrix holds for the
admin, the management commands and anything else that calls them.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from alerts import workflow
from alerts.models import Approval, Publication, Submission, Withdrawal, WorkflowEvent
from tests.alerts.workflow_helpers import assert_refused, publish
from tests.builders import make_editor, make_reviewer, make_user

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "staff", "editor", "reviewer", "superuser"]

ALLOWED = {
    "submit": {"editor", "superuser"},
    "approve": {"reviewer", "superuser"},
    "request_changes": {"reviewer", "superuser"},
    "withdraw": {"reviewer", "superuser"},
}

REFUSALS = {
    "submit": "Only editors can submit",
    "approve": "Only reviewers can approve",
    "request_changes": "Only reviewers can request changes",
    "withdraw": "Only reviewers can withdraw",
}


def make_role_user(role):
    """A user of ``role`` who has never touched the alert under test."""
    if role == "anonymous":
        return AnonymousUser()
    if role == "staff":
        user = make_user("staff_only")
        user.is_staff = True
        user.save()
        return user
    if role == "editor":
        return make_editor("other_editor")
    if role == "reviewer":
        return make_reviewer("the_reviewer")
    return make_user("the_boss", superuser=True)


def db_state():
    return (
        list(Submission.objects.order_by("pk").values_list("pk", "status", "decided_at")),
        Approval.objects.count(),
        Publication.objects.count(),
        Withdrawal.objects.count(),
        WorkflowEvent.objects.count(),
    )


def call(transition, alert, editor, user):
    """Prepare the starting state, then attempt ``transition`` as ``user``."""
    if transition == "submit":
        return lambda: workflow.submit(alert=alert, user=user)
    if transition == "withdraw":
        publish(alert, editor=editor, reviewers=[make_reviewer("first_reviewer")])
        return lambda: workflow.withdraw(alert=alert, user=user, reason="Retracted.")
    submission = workflow.submit(alert=alert, user=editor)
    if transition == "approve":
        return lambda: workflow.approve(submission=submission, user=user)
    return lambda: workflow.request_changes(submission=submission, user=user, comment="Fix it.")


@pytest.mark.parametrize("transition", list(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_through_the_functions(role, transition, alert, editor):
    attempt = call(transition, alert, editor, make_role_user(role))
    before = db_state()

    if role in ALLOWED[transition]:
        attempt()
        assert db_state() != before
    else:
        assert_refused(REFUSALS[transition], attempt)
        assert db_state() == before


def test_inactive_users_are_refused_whatever_their_groups(alert, editor):
    reviewer = make_reviewer("gone")
    reviewer.is_active = False
    reviewer.save()
    submission = workflow.submit(alert=alert, user=editor)

    assert_refused(
        "Only reviewers can approve", workflow.approve, submission=submission, user=reviewer
    )
