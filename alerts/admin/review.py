"""The review queue and the workflow's records: read-only, written by alerts.workflow."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from .. import workflow
from ..diff import diff_snapshots
from ..models import (
    Publication,
    Submission,
    WorkflowEvent,
)
from ..states import STATES
from .forms import (
    ApproveForm,
    RequestChangesForm,
    base_publication,
    events_url,
    publication_label,
)

# --- Workflow records ----------------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """Workflow records are written only by alerts.workflow; the admin only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    """Its change page is the reviewer's page: the diff, the preview and the decision."""

    list_display = ["alert", "status", "submitted_by", "submitted_at", "change_kind"]
    list_filter = ["status", "change_kind"]
    list_select_related = ["alert", "submitted_by"]
    change_list_template = "admin/alerts/submission/change_list.html"

    def get_urls(self):
        return [
            path(
                "queue/",
                self.admin_site.admin_view(self.queue_view),
                name="alerts_submission_queue",
            ),
        ] + super().get_urls()

    def queue_view(self, request):
        """Awaiting my review: open submissions this user may approve."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = [
            {
                "submission": submission,
                "review_url": reverse("admin:alerts_submission_change", args=[submission.pk]),
                "preview_url": reverse("staff:submission_preview", args=[submission.pk]),
                "stale": workflow.is_stale(submission),
            }
            for submission in workflow.awaiting_review_by(request.user)
        ]
        withdrawals = [
            {
                "withdrawal": withdrawal,
                "url": reverse("admin:alerts_withdrawal_change", args=[withdrawal.pk]),
                "mine": withdrawal.withdrawn_by_id == request.user.pk,
            }
            for withdrawal in workflow.unreviewed_withdrawals()
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Awaiting my review",
            "rows": rows,
            "withdrawals": withdrawals,
            "is_reviewer": request.user.has_perm("alerts.review_alert"),
        }
        return TemplateResponse(request, "admin/alerts/submission/queue.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The review page. POST approves or requests changes through alerts.workflow."""
        submission = self.get_object(request, unquote(object_id))
        if submission is None:
            return self._missing_object_redirect(request, object_id)
        if not self.has_view_permission(request, submission):
            raise PermissionDenied
        approve_form = ApproveForm(prefix="approve")
        changes_form = RequestChangesForm(prefix="changes")
        if request.method == "POST":
            action = request.POST.get("action")
            if action == "approve":
                approve_form = ApproveForm(request.POST, prefix="approve")
                form, transition = approve_form, self._approve
            elif action == "request_changes":
                changes_form = RequestChangesForm(request.POST, prefix="changes")
                form, transition = changes_form, self._request_changes
            else:
                form = transition = None
                self.message_user(request, "Choose Approve or Request changes.", messages.ERROR)
            if form is not None and form.is_valid():
                try:
                    transition(request, submission, form.cleaned_data["comment"])
                except workflow.WorkflowError as error:
                    self.message_user(request, str(error), messages.ERROR)
                else:
                    return HttpResponseRedirect(request.path)
            submission = self.get_object(request, unquote(object_id))
        return self._review_page(request, submission, approve_form, changes_form)

    def _missing_object_redirect(self, request, object_id):
        """As Django's change page answers for an object that does not exist: a
        warning (in Django's words) and the admin index."""
        message = gettext("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?")
        self.message_user(
            request,
            message % {"name": self.opts.verbose_name, "key": unquote(object_id)},
            messages.WARNING,
        )
        return HttpResponseRedirect(reverse("admin:index", current_app=self.admin_site.name))

    def _approve(self, request, submission, comment):
        publication = workflow.approve(submission=submission, user=request.user, comment=comment)
        if publication is None:
            message = "Approved. A second reviewer must approve it before it is published."
        elif publication.go_live_at > publication.published_at:
            message = (
                f"Approved as publication {publication.number}; it goes live at "
                f"{timezone.localtime(publication.go_live_at):%Y-%m-%d %H:%M %Z}."
            )
        else:
            message = f"Approved and published as publication {publication.number}."
        self.message_user(request, message, messages.SUCCESS)

    def _request_changes(self, request, submission, comment):
        workflow.request_changes(submission=submission, user=request.user, comment=comment)
        self.message_user(
            request, "Changes requested. The submitter has been told.", messages.SUCCESS
        )

    def _review_page(self, request, submission, approve_form, changes_form):
        user = request.user
        alert = submission.alert
        pending = submission.status == Submission.Status.PENDING
        stale = pending and workflow.is_stale(submission)
        approve_refusal = workflow.approval_refusal(user, submission)
        if approve_refusal is None and stale:
            approve_refusal = workflow.STALE_MESSAGE
        if not user.has_perm("alerts.review_alert"):
            changes_refusal = "Only reviewers can request changes."
        elif not pending:
            changes_refusal = (
                f"This submission is not awaiting review "
                f"(it is {submission.get_status_display().lower()})."
            )
        else:
            changes_refusal = None
        base = base_publication(submission)
        returned = workflow.sent_back(submission)
        # A resubmission is compared with what was sent back (what the reviewer asked
        # to change); the live version is one click away.
        against_live = returned is None or request.GET.get("against") == "live"
        if against_live:
            diff = diff_snapshots(
                base.snapshot if base else None,
                submission.snapshot,
                old_label=publication_label(base),
                new_label="Submitted version",
            )
        else:
            diff = diff_snapshots(
                returned.snapshot,
                submission.snapshot,
                old_label=f"Version sent back on {date_format(timezone.localtime(returned.decided_at), 'DATETIME_FORMAT')}",
                new_label="Submitted version",
            )
        round_ids = [*workflow.review_round(submission).values_list("pk", flat=True), submission.pk]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": submission,
            "title": f"Review: {submission.snapshot.get('title', alert.title)}",
            "submission": submission,
            "alert": alert,
            "alert_url": reverse("admin:alerts_alert_change", args=[alert.pk]),
            "preview_url": reverse("staff:submission_preview", args=[submission.pk]),
            "events_url": events_url(alert.pk),
            "approvals": list(submission.approvals.select_related("reviewer")),
            "pending": pending,
            "stale": stale,
            "stale_message": workflow.STALE_MESSAGE,
            "approve_refusal": approve_refusal,
            "changes_refusal": changes_refusal,
            "approve_form": approve_form,
            "changes_form": changes_form,
            # Every event of this review round: the comments the editor answered too.
            "events": list(
                WorkflowEvent.objects.filter(submission_ref__in=round_ids).order_by(
                    "created_at", "id"
                )
            ),
            "base_publication": base,
            "sent_back": returned,
            "against_live": against_live,
            "diff": diff,
        }
        return TemplateResponse(request, "admin/alerts/submission/review.html", context)


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["title", "number", "change_kind", "go_live_at"]
    list_filter = ["change_kind", "level"]
    search_fields = ["title", "slug"]


@admin.register(WorkflowEvent)
class WorkflowEventAdmin(ReadOnlyAdmin):
    """The audit trail: append-only, so no one (superusers included) edits it here.

    Filter one alert's events with ``?alert_ref=<alert id>`` (the alert's change page
    links there); the id survives the deletion of the alert.
    """

    list_display = [
        "position",
        "created_at",
        "alert_title",
        "alert_ref",
        "action",
        "actor_name",
        "from_state_label",
        "to_state_label",
        "comment",
    ]
    list_filter = ["action"]
    search_fields = ["alert_title", "actor_name", "comment"]
    date_hierarchy = "created_at"
    # Set by the chain (alerts/audit.py), not by a form: shown, never edited.
    readonly_fields = ["position", "previous_hash", "hash"]

    @admin.display(description="from", ordering="from_state")
    def from_state_label(self, event):
        return STATES.get(event.from_state, event.from_state)

    @admin.display(description="to", ordering="to_state")
    def to_state_label(self, event):
        return STATES.get(event.to_state, event.to_state)
