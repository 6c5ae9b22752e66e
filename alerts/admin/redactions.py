"""Withholding past versions for someone's safety: the proposal, from the alert's page,
and the page where a second reviewer approves or rejects it (through alerts.workflow)."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from .. import workflow
from ..models import Redaction
from .second_review import SecondReviewAdmin


class ProposeRedactionForm(forms.Form):
    numbers = forms.TypedMultipleChoiceField(
        label="Versions to withhold",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="Past versions only: correct the current one with an update first.",
    )
    reason = forms.CharField(
        label="Public reason",
        max_length=200,
        initial="for the safety of people named in it",
        help_text="Completes the public notice: “Version 2 withheld on 5 December 2026 …”.",
    )

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["numbers"].choices = [
            (p.number, f"Version {p.number} ({p.get_change_kind_display()}), {p.title}")
            for p in versions
        ]


def propose_view(model_admin, request, alert):
    """The alert page's "Withhold past versions" form (reviewers)."""
    current = workflow.live_publication(alert)
    # Only versions older than the live one (workflow._require_past_versions).
    past = alert.publications.filter(number__lt=current.number if current else 0).order_by("number")
    form = ProposeRedactionForm(request.POST if request.method == "POST" else None, versions=past)
    if request.method == "POST" and form.is_valid():
        try:
            redaction = workflow.propose_redaction(
                alert=alert,
                numbers=form.cleaned_data["numbers"],
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
        except workflow.WorkflowError as error:
            model_admin.message_user(request, str(error), messages.ERROR)
        else:
            model_admin.message_user(
                request,
                "Proposed. A second reviewer must approve it before the versions are withheld.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse("admin:alerts_redaction_change", args=[redaction.pk])
            )
    return model_admin._form_page(
        request,
        alert,
        title=f"Withhold past versions of “{alert.title}”",
        form=form,
        button="Propose withholding them",
        refusal=(
            None
            if request.user.has_perm("alerts.review_alert")
            else "Only reviewers can propose withholding versions."
        ),
        extra={
            "intro": (
                "Withheld versions keep their place in the public list of versions, but "
                "their pages, diffs, feed entries and API documents show a notice instead "
                "of their text. Staff still see them. A second reviewer must approve."
            ),
            "danger": True,
        },
    )


@admin.register(Redaction)
class RedactionAdmin(SecondReviewAdmin):
    list_display = ["alert", "proposed_by", "proposed_at", "decision"]
    list_select_related = ["alert", "proposed_by", "review"]
    ordering = ["-proposed_at"]
    template = "admin/alerts/redaction/decide.html"
    first_by = "proposed_by"
    not_yours = "You proposed this, so another reviewer must decide on it."
    comment_help = "Required to reject."
    buttons = {"approve": "Withhold these versions", "reject": "Reject: keep them public"}

    def decide(self, request, redaction, decision, comment):
        if decision == "reject":
            workflow.reject_redaction(redaction=redaction, user=request.user, comment=comment)
            self.message_user(request, "Rejected: the versions stay public.")
        else:
            workflow.approve_redaction(redaction=redaction, user=request.user, comment=comment)
            self.message_user(request, "Approved: the versions are withheld.")
        return None

    def facts(self, redaction):
        return {
            "versions": [v.publication for v in redaction.versions.select_related("publication")]
        }
