"""The alert's change page: editing with history, and the workflow buttons.

The buttons only collect what a transition needs and call ``alerts.workflow``; the
rules (who may do what, when) live there, so a refused transition is shown as an
error message and changes nothing.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, StringAgg, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from reversion.admin import VersionAdmin

from stages.models import Country

from .. import workflow
from ..diff import diff_snapshots
from ..models import (
    Alert,
    WorkflowEvent,
)
from ..snapshot import build_snapshot
from ..states import STATES, alert_state, with_state
from ..versions import alert_versions
from . import redactions, stale
from .changelist import QuickLinksRelatedFilter
from .forms import (
    CitationInline,
    RecommendationInline,
    StageEvidenceInline,
    StageRatingInline,
    SubmitForm,
    WithdrawForm,
    current_publication,
    events_url,
    in_review_already,
    publication_label,
)
from .locking import TOKEN_FIELD, OptimisticLockForm

# --- Alerts --------------------------------------------------------------------------


class WorkflowStateFilter(admin.SimpleListFilter):
    title = "workflow state"
    parameter_name = "workflow_state"

    def lookups(self, request, model_admin):
        return list(STATES.items())

    def queryset(self, request, queryset):
        if self.value() in STATES:
            return queryset.filter(workflow_state=self.value())
        return queryset


TEXT_FIELDS = tuple(Alert.TEXT_FIELDS)


# Between country names in the changelist's query: a character no name contains.
NAME_SEPARATOR = "\x1f"


def _country_names():
    """An alert's country names joined by NAME_SEPARATOR, as a subquery.

    In no order: SQLite before 3.44 cannot order inside an aggregate.
    """
    links = Alert.countries.through.objects.filter(alert=OuterRef("pk"))
    names = (
        links.values("alert")
        .annotate(names=StringAgg("country__name", Value(NAME_SEPARATOR)))
        .values("names")
    )
    return Coalesce(Subquery(names), Value(""), output_field=TextField())


# The change form's "Save and submit for review" button.
SUBMIT_FIELD = "_save_and_submit"


KEPT_MESSAGE = (
    "This alert cannot be deleted: it was submitted for review, so its submissions, "
    "any publications and the audit trail refer to it. Withdraw it if it was published."
)


def kept_because_submitted(alert):
    """Whether ``alert`` is part of the record and must not be deleted (the database
    refuses it too: Submission.alert is PROTECT)."""
    return alert.submissions.exists()


@admin.register(Alert)
class AlertAdmin(VersionAdmin):
    list_display = ["title", "state", "level", "country_list", "issued_on", "updated_at"]
    # No date_hierarchy: its year links cost a scan of every alert on each page view
    # (90 ms at 100,000 alerts); the issued-on filter needs no query.
    list_filter = [
        WorkflowStateFilter,
        "level",
        ("countries", QuickLinksRelatedFilter),
        "issued_on",
        "updated_at",
    ]
    search_fields = ["title", "slug", "summary", "countries__name"]
    # One count per page, not two: "N of M" would count every alert a second time.
    show_full_result_count = False
    # Rendering dominates the changelist (about 1.5 ms a row, the action checkbox
    # alone 0.5): 50 rows a page, and no bulk actions. An alert is deleted from its
    # own page, one at a time, where reversion's recover list can bring it back.
    list_per_page = 50
    actions = None
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["countries"]
    inlines = [StageRatingInline, StageEvidenceInline, RecommendationInline, CitationInline]
    history_latest_first = True
    object_history_template = "admin/alerts/alert/object_history.html"
    history_per_page = 100
    # Two editors on one alert: the later save is refused instead of silently winning.
    form = OptimisticLockForm
    fieldsets = [
        (None, {"fields": ["title", "slug", "level", "issued_on", "countries", TOKEN_FIELD]}),
        ("Text", {"fields": list(Alert.TEXT_FIELDS)}),
    ]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and kept_because_submitted(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        # Said plainly, instead of the 403 that has_delete_permission alone would give.
        alert = self.get_object(request, unquote(object_id))
        if alert is not None and kept_because_submitted(alert):
            messages.error(request, KEPT_MESSAGE)
            return HttpResponseRedirect(
                reverse("admin:alerts_alert_change", args=[quote(alert.pk)])
            )
        return super().delete_view(request, object_id, extra_context)

    def get_queryset(self, request):
        # The state is computed in the same query, so the changelist stays one query
        # however many alerts it shows.
        queryset = with_state(super().get_queryset(request))
        match = request.resolver_match
        if match is not None and match.url_name == "alerts_alert_changelist":
            # A page of 100 alerts would otherwise carry ~200,000 words it never shows.
            # The country names come in the same query: prefetching the countries made
            # a Country object for each of them (a tenth of the changelist's time).
            queryset = queryset.defer(*TEXT_FIELDS).annotate(country_names=_country_names())
        return queryset

    def history_view(self, request, object_id, extra_context=None):
        """reversion's history of the alert, one page of revisions at a time.

        VersionAdmin lists every revision on one page; an alert edited for years has
        thousands (1,000 took 420 ms to show).
        """
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        versions = (
            alert_versions(unquote(object_id))
            .select_related("revision", "revision__user")
            # VersionAdmin's order (history_latest_first).
            .order_by(*(self.get_version_ordering(request) or ()))
        )
        page = Paginator(versions, self.history_per_page).get_page(request.GET.get("p"))
        action_list = [
            {
                "revision": version.revision,
                "url": reverse(
                    f"{self.admin_site.name}:alerts_alert_revision",
                    args=(quote(version.object_id), version.pk),
                ),
            }
            for version in page
        ]
        context = {"action_list": action_list, "revisions_page": page} | (extra_context or {})
        # Past VersionAdmin's own history_view, which would list every revision.
        return admin.ModelAdmin.history_view(self, request, object_id, context)

    @admin.display(description="State", ordering="workflow_state")
    def state(self, obj):
        return STATES.get(obj.workflow_state, obj.workflow_state)

    @admin.display(description="Countries")
    def country_list(self, obj):
        if hasattr(obj, "country_names"):  # the changelist's queryset
            names = obj.country_names.split(NAME_SEPARATOR) if obj.country_names else []
        else:
            names = [c.name for c in obj.countries.all()]
        return ", ".join(sorted(names, key=str.casefold))

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "countries":
            kwargs["required"] = False
            kwargs["help_text"] = (
                "The countries it rates (below) are added when you save: add here only "
                "those it speaks about without rating them."
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Every country the alert rates is one of its countries: editors name a
        # country once, in its rating (in the same revision as the rest of the save).
        alert = form.instance
        rated = Country.objects.filter(ratings__alert=alert).exclude(
            pk__in=alert.countries.values("pk")
        )
        alert.countries.add(*rated)

    # Cross-inline validation (markers in one inline, citations in another): the
    # formsets made together for a page share one list (AlertInlineFormSet).

    def get_formsets_with_inlines(self, request, obj=None):
        # Each set of formsets starts a list of its own, kept on the request for
        # get_formset_kwargs, which Django calls for each formset this yields.
        request.alert_inline_formsets = []
        yield from super().get_formsets_with_inlines(request, obj)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        kwargs["sibling_formsets"] = request.alert_inline_formsets
        return kwargs

    # The public page shows the latest publication, not this working copy; the
    # preview link on the change page shows the working copy.
    view_on_site = False

    # --- Workflow on the change page ---------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/submit/", view(self.submit_view), name="alerts_alert_submit"),
            path(
                "<path:object_id>/withdraw/",
                view(self.withdraw_view),
                name="alerts_alert_withdraw",
            ),
            path("<path:object_id>/diff/", view(self.diff_view), name="alerts_alert_diff"),
            path(
                "<path:object_id>/withhold/",
                view(self.withhold_view),
                name="alerts_alert_withhold",
            ),
        ] + super().get_urls()

    def workflow_context(self, request, alert):
        """State, links and the buttons this user may use, for the change page."""
        user = request.user
        state = getattr(alert, "workflow_state", None) or alert_state(alert)
        withdrawn = state == "withdrawn"
        published = alert.publications.exists()
        pending = workflow.open_submission(alert)
        context = {
            "workflow_state": state,
            "workflow_state_label": STATES[state],
            "preview_url": reverse("staff:alert_preview", args=[alert.pk]),
            "diff_url": reverse("admin:alerts_alert_diff", args=[alert.pk]),
            "events_url": events_url(alert.pk),
            "open_submission": pending,
            "review_url": (
                reverse("admin:alerts_submission_change", args=[pending.pk]) if pending else None
            ),
            # A withdrawn alert can be submitted too: as a restoration.
            "submit_url": (
                reverse("admin:alerts_alert_submit", args=[alert.pk])
                if user.has_perm("alerts.submit_alert")
                else None
            ),
            "withdraw_url": (
                reverse("admin:alerts_alert_withdraw", args=[alert.pk])
                if user.has_perm("alerts.withdraw_alert") and published and not withdrawn
                else None
            ),
            "submit_field": SUBMIT_FIELD,
            "withhold_url": (
                reverse("admin:alerts_alert_withhold", args=[alert.pk])
                if user.has_perm("alerts.review_alert") and published
                else None
            ),
            "changes_requested": None,
            "kept_message": KEPT_MESSAGE if kept_because_submitted(alert) else None,
        }
        if state == "changes_requested":
            context["changes_requested"] = (
                WorkflowEvent.objects.filter(
                    alert_ref=alert.pk, action=WorkflowEvent.Action.CHANGES_REQUESTED
                )
                .order_by("-created_at", "-id")
                .first()
            )
        return context

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        if stale.saved(request, response, object_id):
            # After reversion's revision is written, so the save is what it compares.
            stale.tell_after_save(request, Alert.objects.filter(pk=stale.object_pk(object_id)))
        return response

    def response_change(self, request, obj):
        if SUBMIT_FIELD in request.POST:
            # Saved (the form was valid): now the submit page, which submits what was
            # just saved and asks for the change note and schedule.
            return HttpResponseRedirect(reverse("admin:alerts_alert_submit", args=[obj.pk]))
        return super().response_change(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context.update(self.workflow_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _alert_for(self, request, object_id):
        alert = self.get_object(request, unquote(object_id))
        if alert is None:
            raise Http404("No such alert.")
        if not self.has_view_or_change_permission(request, alert):
            raise PermissionDenied
        return alert

    def _form_page(self, request, alert, *, title, form, button, refusal=None, extra=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": alert,
            "title": title,
            "form": form,
            "button": button,
            "refusal": refusal,
            "change_url": reverse("admin:alerts_alert_change", args=[alert.pk]),
            **(extra or {}),
        }
        return TemplateResponse(request, "admin/alerts/alert/workflow_form.html", context)

    def submit_view(self, request, object_id):
        """Submit for review: asks for the change note and an optional go-live time."""
        alert = self._alert_for(request, object_id)
        earlier = workflow.previous_attempt(alert)
        withdrawal = workflow.withdrawal_in_force(alert)
        form = SubmitForm(
            request.POST if request.method == "POST" else None,
            published_before=alert.publications.exists(),
            withdrawn=withdrawal is not None,
            initial=SubmitForm.initial_from(earlier),
        )
        if request.method == "POST" and form.is_valid():
            try:
                submission = workflow.submit(
                    alert=alert, user=request.user, **form.transition_kwargs()
                )
            except workflow.WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    "Submitted for review. Reviewers have been told; "
                    + (
                        "it needs two approvals."
                        if submission.approvals_required > 1
                        else "one approval publishes it."
                    ),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:alerts_alert_change", args=[alert.pk]))
        snapshot = build_snapshot(alert)
        live = current_publication(alert)
        return self._form_page(
            request,
            alert,
            title=f"Submit “{alert.title}” for review",
            form=form,
            button="Submit for review",
            refusal=(
                None
                if request.user.has_perm("alerts.submit_alert")
                else "Only editors can submit an alert for review."
            ),
            extra={
                "intro": (
                    "The reviewers will see exactly the version saved now. Editing the alert "
                    "after submitting makes the submission stale, and it must be submitted again."
                    + in_review_already(alert)
                    + (
                        " This alert was withdrawn: approved, this restores it as a new "
                        "version, with your note saying why."
                        if withdrawal
                        else ""
                    )
                ),
                "problems": workflow.submission_problems(snapshot),
                "diff": diff_snapshots(
                    live.snapshot if live else None,
                    snapshot,
                    old_label=publication_label(live),
                    new_label="Working copy (to be submitted)",
                ),
            },
        )

    def withdraw_view(self, request, object_id):
        """Withdraw a published alert: asks for the public reason."""
        alert = self._alert_for(request, object_id)
        form = WithdrawForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                workflow.withdraw(
                    alert=alert, user=request.user, reason=form.cleaned_data["reason"]
                )
            except workflow.WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    "The alert is withdrawn; its page now shows the reason.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:alerts_alert_change", args=[alert.pk]))
        if not request.user.has_perm("alerts.withdraw_alert"):
            refusal = "Only reviewers can withdraw an alert."
        elif workflow.withdrawal_in_force(alert) is not None:
            refusal = "This alert has already been withdrawn."
        elif not alert.publications.exists():
            refusal = "Only a published alert can be withdrawn; this one never was."
        else:
            refusal = None
        return self._form_page(
            request,
            alert,
            title=f"Withdraw “{alert.title}”",
            form=form,
            button="Withdraw",
            refusal=refusal,
            extra={
                "intro": (
                    "Withdrawing takes the alert off the public site for good: its page shows "
                    "the reason instead, and lists, feeds and the API mark it withdrawn."
                ),
                "danger": True,
            },
        )

    def withhold_view(self, request, object_id):
        """Propose withholding past versions for someone's safety (reviewers)."""
        return redactions.propose_view(self, request, self._alert_for(request, object_id))

    def diff_view(self, request, object_id):
        """The working copy against the live publication."""
        alert = self._alert_for(request, object_id)
        live = current_publication(alert)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": alert,
            "title": f"Changes to “{alert.title}” since its publication",
            "change_url": reverse("admin:alerts_alert_change", args=[alert.pk]),
            "preview_url": reverse("staff:alert_preview", args=[alert.pk]),
            "diff": diff_snapshots(
                live.snapshot if live else None,
                build_snapshot(alert),
                old_label=publication_label(live),
                new_label="Working copy",
            ),
        }
        return TemplateResponse(request, "admin/alerts/alert/diff.html", context)
