"""The page where a second reviewer decides on what a first one did or proposed: a
withdrawal (withdrawals.py) or a redaction (redactions.py). The decision is made by
alerts.workflow; this is the list, the facts and the two buttons."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from .. import workflow
from .review import ReadOnlyAdmin


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label="Comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
    )

    def __init__(self, *args, help_text, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].help_text = help_text


class SecondReviewAdmin(ReadOnlyAdmin):
    """Subclasses say who acted first (``first_by``), which buttons there are
    (``buttons``: decision value → label, the first the default), and what each does
    (``decide``, calling the workflow; it returns where to go next, or None)."""

    template = "admin/alerts/second_review.html"
    comment_help = ""
    buttons = {}
    first_by = ""
    not_yours = "You did this, so another reviewer must decide on it."
    permission = "alerts.review_alert"

    @admin.display(description="Second review")
    def decision(self, obj):
        review = getattr(obj, "review", None)
        return review.get_decision_display() if review else "Awaiting a second reviewer"

    def decide(self, request, obj, decision, comment):
        raise NotImplementedError

    def facts(self, obj):
        """Extra context for the template's facts."""
        return {}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No such {self.opts.verbose_name}.")
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        form = DecisionForm(
            request.POST if request.method == "POST" else None, help_text=self.comment_help
        )
        if request.method == "POST" and form.is_valid():
            decision = request.POST.get("decision")
            if decision in self.buttons:
                try:
                    next_url = self.decide(request, obj, decision, form.cleaned_data["comment"])
                except workflow.WorkflowError as error:
                    self.message_user(request, str(error), messages.ERROR)
                else:
                    return HttpResponseRedirect(next_url or request.path)
        obj.refresh_from_db()  # the review a decision above may just have written
        review = getattr(obj, "review", None)
        if review is not None:
            refusal = f"{review.reviewer} has {review.get_decision_display().lower()} it."
        elif not request.user.has_perm(self.permission):
            refusal = "Only reviewers can decide on this."
        elif getattr(obj, f"{self.first_by}_id") == request.user.pk:
            refusal = self.not_yours
        else:
            refusal = None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": str(obj),
            "review": review,
            "refusal": refusal,
            "form": form,
            "buttons": self.buttons,
            "alert_url": reverse("admin:alerts_alert_change", args=[obj.alert_id]),
            **self.facts(obj),
        }
        return TemplateResponse(request, self.template, context)
