"""Review mail is delivered by the real worker to a real SMTP server, and a mail server
that is down delays it without failing the transition or losing or doubling it."""

import time

import pytest
from django.db import transaction
from django.tasks import TaskResultStatus
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from alerts import tasks, workflow
from alerts.models import Submission
from tests.builders import login_verified, make_alert, make_editor, make_reviewer
from tests.processes import SMTPServer, Worker, wait_for

# The worker is another process: it sees only what the test has committed.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def smtp():
    server = SMTPServer()
    yield server
    server.stop()


@pytest.fixture
def worker(smtp):
    process = Worker(**smtp.env)
    yield process
    process.stop()


def mail_rows(status):
    return DBTaskResult.objects.filter(task_path=tasks.send_mail.module_path, status=status)


def test_a_transition_is_delivered_once_when_the_mail_server_comes_back(smtp, worker, client):
    editor = make_editor("editor")
    make_reviewer("reviewer")
    alert = make_alert(author=editor, title="Mass detentions reported")

    # The mail server is down: the transition still succeeds.
    submission = workflow.submit(alert=alert, user=editor)
    assert submission.status == Submission.Status.PENDING

    # The worker tries, fails, and queues the next try (each try is a row).
    wait_for(lambda: mail_rows(TaskResultStatus.FAILED).count() >= 2, message="two failed tries")
    assert smtp.inbox.messages == []

    # Staff see it failing, and pending, in the admin.
    login_verified(client, make_reviewer("ops"))
    listing = client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "Failed" in page
    assert "Review requested: Mass detentions reported" in page
    assert "ConnectionRefusedError" in page

    # The mail server is back: the next try delivers it, once.
    smtp.start()
    wait_for(lambda: smtp.inbox.messages, message="the review mail")
    wait_for(
        lambda: (
            not mail_rows(TaskResultStatus.READY).exists()
            and not mail_rows(TaskResultStatus.RUNNING).exists()
        ),
        message="no mail task left to run",
    )
    time.sleep(2)  # two retry intervals: nothing else arrives
    assert len(smtp.inbox.messages) == 1, worker.output()
    message = smtp.inbox.messages[0]
    assert message["to"] == ["reviewer@example.org"]
    assert "Subject: Review requested: Mass detentions reported" in message["content"]
    assert mail_rows(TaskResultStatus.SUCCESSFUL).count() == 1


def test_mail_queued_by_a_rolled_back_transition_is_never_sent(smtp, worker):
    smtp.start()
    editor = make_editor("editor")
    make_reviewer("reviewer")
    alert = make_alert(author=editor, title="Never submitted")

    class Abort(Exception):
        pass

    def submit_then_fail():
        with transaction.atomic():
            workflow.submit(alert=alert, user=editor)
            raise Abort

    with pytest.raises(Abort):
        submit_then_fail()

    # A committed transition afterwards proves the worker was running all along.
    other = make_alert(author=editor, title="Submitted for real")
    workflow.submit(alert=other, user=editor)
    wait_for(lambda: smtp.inbox.messages, message="the committed transition's mail")
    time.sleep(1)
    subjects = [m["content"] for m in smtp.inbox.messages]
    assert len(subjects) == 1
    assert "Submitted for real" in subjects[0]
