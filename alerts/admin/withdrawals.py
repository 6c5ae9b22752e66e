"""Withdrawals: the list, and the page where a second reviewer confirms or rejects one.

A withdrawal takes effect at once (urgent takedowns happen); a second reviewer then
decides on it here, through alerts.workflow. Rejecting it submits the alert again as a
restoration, which someone else approves like any other submission.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from .. import workflow
from ..models import Publication, Withdrawal, WithdrawalReview
from .review import ReadOnlyAdmin


class DecideWithdrawalForm(forms.Form):
    comment = forms.CharField(
        label="Comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Required to reject: it is published with the restored alert.",
    )


@admin.register(Withdrawal)
class WithdrawalAdmin(ReadOnlyAdmin):
    list_display = ["alert", "withdrawn_by", "withdrawn_at", "decision"]
    list_select_related = ["alert", "withdrawn_by", "review"]
    ordering = ["-withdrawn_at"]

    @admin.display(description="Second review")
    def decision(self, obj):
        review = getattr(obj, "review", None)
        return review.get_decision_display() if review else "Awaiting a second reviewer"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        withdrawal = self.get_object(request, unquote(object_id))
        if withdrawal is None:
            raise Http404("No such withdrawal.")
        if not self.has_view_permission(request, withdrawal):
            raise PermissionDenied
        form = DecideWithdrawalForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            comment = form.cleaned_data["comment"]
            try:
                if request.POST.get("decision") == "reject":
                    _, submission = workflow.reject_withdrawal(
                        withdrawal=withdrawal, user=request.user, reason=comment
                    )
                    self.message_user(
                        request,
                        "Withdrawal rejected. The alert is submitted for restoration: another "
                        "reviewer must approve it before it is public again.",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:alerts_submission_change", args=[submission.pk])
                    )
                workflow.confirm_withdrawal(
                    withdrawal=withdrawal, user=request.user, comment=comment
                )
                self.message_user(request, "Withdrawal confirmed.", messages.SUCCESS)
                return HttpResponseRedirect(request.path)
            except workflow.WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
        review = WithdrawalReview.objects.filter(withdrawal=withdrawal).first()
        if review is not None:
            refusal = f"{review.reviewer} has {review.get_decision_display().lower()} it."
        elif not request.user.has_perm("alerts.withdraw_alert"):
            refusal = "Only reviewers can confirm or reject a withdrawal."
        elif withdrawal.withdrawn_by_id == request.user.pk:
            refusal = "You withdrew this alert, so another reviewer must decide on it."
        else:
            refusal = None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": withdrawal,
            "title": f"Withdrawal of “{withdrawal.alert.title}”",
            "withdrawal": withdrawal,
            "review": review,
            "refusal": refusal,
            "form": form,
            "publications": Publication.objects.filter(
                alert=withdrawal.alert, number__lte=withdrawal.last_number
            ).order_by("number"),
            "alert_url": reverse("admin:alerts_alert_change", args=[withdrawal.alert_id]),
        }
        return TemplateResponse(request, "admin/alerts/withdrawal/decide.html", context)
