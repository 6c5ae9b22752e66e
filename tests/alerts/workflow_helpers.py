"""Domain helpers and assertions for workflow tests."""

import pytest
from django.utils import timezone

from alerts import workflow
from alerts.models import Publication, WorkflowEvent
from alerts.states import alert_state
from tests.builders import make_reviewer


def publish(alert, *, editor, reviewers=None, **submit_kwargs):
    """Submit and approve through the real functions; returns the Publication."""
    submission = workflow.submit(alert=alert, user=editor, **submit_kwargs)
    reviewers = list(reviewers or [make_reviewer(), make_reviewer()])
    publication = None
    for reviewer in reviewers[: submission.approvals_required]:
        publication = workflow.approve(submission=submission, user=reviewer)
    assert publication is not None, "the last required approval should publish"
    return publication


def assert_refused(message_part, func, **kwargs):
    with pytest.raises(workflow.WorkflowError) as excinfo:
        func(**kwargs)
    assert message_part in str(excinfo.value), str(excinfo.value)
    return excinfo.value


def assert_state(alert, expected, now=None):
    actual = alert_state(alert, now)
    assert actual == expected, f"{alert} is {actual}, expected {expected}"


def assert_live_snapshot(alert, snapshot, now=None):
    live = Publication.objects.current(now or timezone.now()).filter(alert=alert).get()
    assert live.snapshot == snapshot
    return live


def actions_of(alert):
    return list(
        WorkflowEvent.objects.filter(alert_ref=alert.pk)
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )
