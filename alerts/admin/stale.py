"""Submissions that went stale, told to the people who made them.

A save in the admin (of an alert, or of a source or country an alert cites) closes the
open submission it made stale (``workflow.mark_stale``), which mails the submitter.
``StaleSubmissionNoticeMiddleware`` also tells them on their next visit to the admin.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .. import workflow
from ..models import Submission


def tell_after_save(request, alerts):
    """After a successful admin save: close what it made stale and say so."""
    for submission in workflow.mark_stale_submissions(alerts=alerts, user=request.user):
        if submission.submitted_by_id == request.user.pk:
            text = "Your submission of “{}” can no longer be approved: you changed it. Submit it again."
        else:
            text = (
                "The submission of “{}” can no longer be approved: it changed. "
                f"{submission.submitted_by.get_username()} has been told."
            )
        messages.warning(
            request, format_html(text, submission.snapshot.get("title", submission.alert.title))
        )


def saved(request, response, object_id):
    """Whether a changeform POST saved the object (it redirects only then)."""
    return request.method == "POST" and object_id is not None and response.status_code == 302


def object_pk(object_id):
    return unquote(object_id)


class StaleSubmissionNoticeMiddleware:
    """On a member of staff's next admin page, say which of their submissions went stale
    since they last looked (one indexed query per admin page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The path first: reading request.user reads the session, which makes a
        # response vary on the cookie, and no public page may.
        if request.method == "GET" and request.path.startswith(reverse("admin:index")):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and user.is_staff:
                self._tell(request, user)
        return self.get_response(request)

    def _tell(self, request, user):
        untold = Submission.objects.filter(
            submitted_by=user, status=Submission.Status.STALE, submitter_told_at__isnull=True
        ).select_related("alert")
        for submission in untold:
            messages.warning(
                request,
                format_html(
                    "Your submission of “{}” went stale on {}: the alert or something it cites "
                    'was changed after you submitted it. <a href="{}">Submit it again</a>; your '
                    "change note and schedule are filled in.",
                    submission.snapshot.get("title", submission.alert.title),
                    timezone.localtime(submission.decided_at).strftime("%Y-%m-%d %H:%M %Z"),
                    reverse("admin:alerts_alert_change", args=[submission.alert_id]),
                ),
            )
        for submission in untold:
            submission.submitter_told_at = timezone.now()
            submission.save(update_fields=["submitter_told_at"])
