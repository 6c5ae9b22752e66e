"""Work done after a transition commits, by the task worker (``manage.py db_worker``).

Tasks are queued in the database (django-tasks-db), in the transaction of the change
that asks for them: a transition that rolls back queues nothing, and one that commits
has its tasks even if the worker, the mail server or the front cache is down at that
moment. A task that fails is kept as failed (with its traceback, in the admin under
"Task results") and queued again for later, after each of TASK_RETRY_DELAYS in turn;
after the last it stays failed for staff to see.
"""

import datetime
import logging

from django.conf import settings
from django.core import mail
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)


def retry_later(task, *, attempt, **kwargs):
    """Queue ``task`` again after the back-off for ``attempt``; False when none is left."""
    delays = settings.TASK_RETRY_DELAYS
    if attempt > len(delays):
        logger.error("%s failed %d times; not trying again", task.name, attempt)
        return False
    run_after = timezone.now() + datetime.timedelta(seconds=delays[attempt - 1])
    task.using(run_after=run_after).enqueue(attempt=attempt + 1, **kwargs)
    return True


def queue_mail(*, subject, body, recipients):
    """Queue one message to ``recipients`` (sent together, once). Call it inside the
    transaction of the change it tells about."""
    # A header cannot hold a line break, and a title may contain one.
    subject = " ".join(subject.split())
    recipients = sorted({r for r in recipients if r})
    if recipients:
        send_mail.enqueue(subject=subject, body=body, recipients=recipients)


@task
def send_mail(*, subject, body, recipients, attempt=1):
    try:
        mail.send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:
        retry_later(send_mail, attempt=attempt, subject=subject, body=body, recipients=recipients)
        raise
