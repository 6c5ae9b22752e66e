"""Domain helpers for what the transitions leave for the task worker."""

from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from alerts import tasks
from alerts.public import front_cache


def queued(task, *, status=TaskResultStatus.READY):
    """The keyword arguments of each ``task`` waiting in the queue, oldest first."""
    rows = DBTaskResult.objects.filter(task_path=task.module_path, status=status)
    return [row.args_kwargs["kwargs"] for row in rows.order_by("enqueued_at")]


def queued_mail():
    """Each message queued and not yet sent: {"subject", "body", "recipients", ...}."""
    return queued(tasks.send_mail)


def queued_purges():
    """Each purge waiting in the queue: {"patterns": [...], "run_after": datetime or None}."""
    rows = DBTaskResult.objects.filter(
        task_path=front_cache.purge.module_path, status=TaskResultStatus.READY
    ).order_by("enqueued_at")
    return [
        {"patterns": row.args_kwargs["kwargs"]["patterns"], "run_after": row.task.run_after}
        for row in rows
    ]
