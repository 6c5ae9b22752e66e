"""Background tasks as staff see them: what each was for, whether it failed, when the
next try is due. The list is django-tasks-db's own, with a column saying what a task
does and which try it is, so a mail server that is down shows here as failing mail."""

from django.contrib import admin
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    list_display = (
        "task_name",
        "purpose",
        "attempt",
        "status",
        "enqueued_at",
        "display_run_after",
        "finished_at",
        "exception_class_path",
    )
    list_filter = ("status", "queue_name")
    search_fields = ("task_path", "exception_class_path")

    @admin.display(description="for")
    def purpose(self, obj):
        kwargs = obj.args_kwargs.get("kwargs", {})
        if "subject" in kwargs:
            return f"Mail “{kwargs['subject']}” to {', '.join(kwargs.get('recipients', []))}"
        if "patterns" in kwargs:
            return f"Purge {len(kwargs['patterns'])} URL patterns from the front cache"
        return ""

    @admin.display(description="try")
    def attempt(self, obj):
        return obj.args_kwargs.get("kwargs", {}).get("attempt", 1)
