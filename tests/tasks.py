"""Domain helpers for what the transitions leave for the task worker."""

from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from alerts import tasks


def queued(task, *, status=TaskResultStatus.READY):
    """The keyword arguments of each ``task`` waiting in the queue, oldest first."""
    rows = DBTaskResult.objects.filter(task_path=task.module_path, status=status)
    return [row.args_kwargs["kwargs"] for row in rows.order_by("enqueued_at")]


def queued_mail():
    """Each message queued and not yet sent: {"subject", "body", "recipients", ...}."""
    return queued(tasks.send_mail)
