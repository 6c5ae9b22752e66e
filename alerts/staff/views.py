"""Staff-only views. Never cached anywhere: they show unpublished content."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from accounts import second_factor

from ..models import Submission
from ..rendering import render_content
from ..snapshot import snapshot_of, snapshot_queryset, upgrade


def can_preview(user):
    return (
        user.is_active
        and user.is_staff
        and (user.has_perm("alerts.change_alert") or user.has_perm("alerts.preview_alert"))
    )


def refuse_unless_previewer(request):
    """None for a member of staff who may preview, fully signed in (with the second
    factor); otherwise the way to sign in, or PermissionDenied."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    half_signed_in = second_factor.redirect_if_pending(request)
    if half_signed_in:
        return half_signed_in
    if not can_preview(request.user):
        raise PermissionDenied("You may not preview alerts.")
    return None


def render_snapshot_page(request, snapshot, *, heading, status=200, extra=None):
    context = {
        "alert": upgrade(snapshot),
        "content_html": render_content(snapshot, link_countries=False),
        "preview_heading": heading,
    } | (extra or {})
    return render(request, "alerts/preview.html", context, status=status)


@never_cache
def alert_preview(request, pk):
    """The working copy of an alert, rendered exactly as the public template would."""
    refused = refuse_unless_previewer(request)
    if refused:
        return refused
    alert = get_object_or_404(snapshot_queryset(), pk=pk)
    return render_snapshot_page(
        request, snapshot_of(alert), heading="Preview of the working copy (not published)"
    )


@never_cache
def submission_preview(request, pk):
    """The exact snapshot pinned by a submission: what the reviewer is asked to approve."""
    refused = refuse_unless_previewer(request)
    if refused:
        return refused
    submission = get_object_or_404(Submission.objects.select_related("submitted_by"), pk=pk)
    return render_snapshot_page(
        request,
        submission.snapshot,
        heading=(
            f"Preview of the version submitted by {submission.submitted_by.get_username()} "
            f"on {timezone.localtime(submission.submitted_at):%Y-%m-%d %H:%M %Z} "
            f"({submission.get_status_display().lower()}; not published)"
        ),
    )
