"""Withdrawals: the list, and the page where a second reviewer confirms or rejects one.

A withdrawal takes effect at once (urgent takedowns happen); a second reviewer then
decides on it here, through alerts.workflow. Rejecting it submits the alert again as a
restoration, which someone else approves like any other submission.
"""

from django.contrib import admin, messages
from django.urls import reverse

from .. import workflow
from ..models import Publication, Withdrawal
from .second_review import SecondReviewAdmin


@admin.register(Withdrawal)
class WithdrawalAdmin(SecondReviewAdmin):
    list_display = ["alert", "withdrawn_by", "withdrawn_at", "decision"]
    list_select_related = ["alert", "withdrawn_by", "review"]
    ordering = ["-withdrawn_at"]
    template = "admin/alerts/withdrawal/decide.html"
    permission = "alerts.withdraw_alert"
    first_by = "withdrawn_by"
    not_yours = "You withdrew this alert, so another reviewer must decide on it."
    comment_help = "Required to reject: it is published with the restored alert."
    buttons = {"confirm": "Confirm the withdrawal", "reject": "Reject it and restore the alert"}

    def decide(self, request, withdrawal, decision, comment):
        if decision == "reject":
            _, submission = workflow.reject_withdrawal(
                withdrawal=withdrawal, user=request.user, reason=comment
            )
            self.message_user(
                request,
                "Withdrawal rejected. The alert is submitted for restoration: another "
                "reviewer must approve it before it is public again.",
                messages.SUCCESS,
            )
            return reverse("admin:alerts_submission_change", args=[submission.pk])
        workflow.confirm_withdrawal(withdrawal=withdrawal, user=request.user, comment=comment)
        self.message_user(request, "Withdrawal confirmed.", messages.SUCCESS)
        return None

    def facts(self, withdrawal):
        return {
            "publications": Publication.objects.filter(
                alert=withdrawal.alert, number__lte=withdrawal.last_number
            ).order_by("number")
        }
