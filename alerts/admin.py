"""The editorial admin: editing alerts, and every step of the review workflow.

The workflow buttons here only collect what a transition needs and call
``alerts.workflow``; the rules (who may do what, when) live there, so a refused
transition is shown as an error message and changes nothing.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, StringAgg, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from reversion.admin import VersionAdmin

from stages import admin as stages_admin
from stages.models import Country

from . import workflow
from .changelist import QuickLinksRelatedFilter
from .diff import diff_snapshots
from .locking import TOKEN_FIELD, OptimisticLockForm
from .models import (
    Alert,
    ChangeKind,
    Citation,
    Publication,
    Recommendation,
    StageEvidence,
    StageRating,
    Submission,
    Withdrawal,
    WorkflowEvent,
)
from .public import page_cache
from .snapshot import build_snapshot
from .states import STATES, alert_state, with_state
from .text import dangling_markers, describe_dangling
from .versions import alert_versions


class AlertInlineFormSet(forms.BaseInlineFormSet):
    """An inline of the alert's change page that knows the page's other inlines.

    The admin gives every inline formset of the page the same list
    (``AlertAdmin.get_formset_kwargs``) and each one adds itself when made, so by
    the time the formsets are validated ``sibling_formsets`` holds all of them (this
    one included). Made without the admin, a formset has only itself.
    """

    def __init__(self, *args, sibling_formsets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sibling_formsets = [] if sibling_formsets is None else sibling_formsets
        self.sibling_formsets.append(self)


class StageRatingInline(admin.TabularInline):
    model = StageRating
    formset = AlertInlineFormSet
    extra = 0
    autocomplete_fields = ["country"]
    fields = ["country", "stage", "rationale"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "rationale":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "cols": 60})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class StageEvidenceInline(admin.StackedInline):
    model = StageEvidence
    formset = AlertInlineFormSet
    extra = 0
    autocomplete_fields = ["country"]
    fields = [("stage", "country", "period", "position"), "text"]


class RecommendationInline(admin.TabularInline):
    model = Recommendation
    formset = AlertInlineFormSet
    extra = 0
    fields = ["position", "addressee", "action"]


class CitationInline(admin.TabularInline):
    model = Citation
    extra = 0
    # Autocomplete keeps the page light with thousands of sources and offers "+" to add one.
    autocomplete_fields = ["source"]
    fields = ["number", "source", "locator", "quote"]


def _live_rows(formset):
    """Cleaned data of the rows that will exist after the save."""
    return [
        form.cleaned_data
        for form in formset.forms
        if form.has_changed() or form.instance.pk
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def _marker_texts(alert, formsets):
    """Every text of the alert as submitted, labelled as the editor sees it."""
    texts = {label: getattr(alert, name) for name, label in Alert.TEXT_FIELDS.items()}
    for formset in formsets:
        rows = _live_rows(formset)
        if formset.model is StageRating:
            for row in rows:
                label = f"Stage rating ({row.get('country')}, stage {getattr(row.get('stage'), 'number', '?')})"
                texts[label] = row.get("rationale", "")
        elif formset.model is StageEvidence:
            for i, row in enumerate(rows, start=1):
                texts[f"Stage evidence {i}"] = row.get("text", "")
        elif formset.model is Recommendation:
            for i, row in enumerate(rows, start=1):
                texts[f"Recommendation {i} ({row.get('addressee', '')})"] = row.get("action", "")
    return texts


class CitationFormSet(AlertInlineFormSet):
    """Refuses a save in which any text cites a footnote number the alert does not have.

    The check needs every other inline on the page: ``sibling_formsets``.
    """

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        siblings = [fs for fs in self.sibling_formsets if fs is not self]
        if not all(fs.is_valid() for fs in siblings):
            return
        numbers = {row["number"] for row in _live_rows(self) if row.get("number")}
        problems = dangling_markers(_marker_texts(self.instance, siblings), numbers)
        if problems:
            raise forms.ValidationError(
                "Citation markers point to no citation: %(problems)s. "
                "Add the citation below or correct the marker.",
                code="dangling_marker",
                params={"problems": describe_dangling(problems)},
            )


CitationInline.formset = CitationFormSet


# --- Workflow forms ------------------------------------------------------------------


class SubmitForm(forms.Form):
    """What submitting needs: a public change note after the first publication, and an
    optional go-live time (embargo)."""

    change_kind = forms.ChoiceField(
        label="Kind of change",
        choices=[(ChangeKind.UPDATE, "Update"), (ChangeKind.CORRECTION, "Correction")],
        widget=forms.RadioSelect,
        help_text="An update adds new facts or assessments; a correction fixes an error.",
    )
    change_note = forms.CharField(
        label="Public change note",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="Shown to the public with this version: what changed and why.",
    )
    go_live_at = forms.DateTimeField(
        label="Go-live time (UTC)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty to publish as soon as it is approved.",
    )

    def __init__(self, *args, published_before, **kwargs):
        super().__init__(*args, **kwargs)
        if not published_before:
            # A first publication has no change note: the whole alert is new.
            del self.fields["change_kind"]
            del self.fields["change_note"]

    def transition_kwargs(self):
        data = self.cleaned_data
        return {
            "change_kind": data.get("change_kind") or None,
            "change_note": data.get("change_note", ""),
            "go_live_at": data.get("go_live_at"),
        }


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Public reason",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="Shown on the alert's page in place of its content.",
    )


class ApproveForm(forms.Form):
    comment = forms.CharField(
        label="Comment (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
    )


class RequestChangesForm(forms.Form):
    comment = forms.CharField(
        label="What needs to change",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="Required. The editors receive it by mail and see it on the alert.",
    )


def _events_url(alert_pk):
    return (
        reverse("admin:alerts_workflowevent_changelist") + "?" + urlencode({"alert_ref": alert_pk})
    )


def _current_publication(alert):
    """The publication a new version would replace: the live one, or if none is live
    (scheduled, or withdrawn), the latest."""
    return workflow.live_publication(alert) or workflow.latest_publication(alert)


def _base_publication(submission):
    """What a submission is compared with: the publication it would replace.

    For a submission that was published, the publication before its own; otherwise
    the live publication (or, if none is live yet, the latest scheduled one).
    """
    alert = submission.alert
    own = Publication.objects.filter(submission=submission).first()
    if own is not None:
        return alert.publications.filter(number__lt=own.number).order_by("-number").first()
    return _current_publication(alert)


def _in_review_already(alert):
    """A warning for the submit page: submitting again replaces the open submission."""
    previous = workflow.open_submission(alert)
    if previous is None:
        return ""
    given = previous.approvals.count()
    when = timezone.localtime(previous.submitted_at)
    text = (
        f" This alert is already in review: {previous.submitted_by} submitted it on "
        f"{when:%Y-%m-%d %H:%M}. Submitting again replaces that submission"
    )
    if given:
        return text + (
            f", and the {given} approval{'s' if given > 1 else ''} it has "
            f"(of {previous.approvals_required} needed) will not count."
        )
    return text + "."


def _publication_label(publication):
    if publication is None:
        return "Nothing published before"
    if publication.go_live_at > timezone.now():
        return f"Publication {publication.number} (scheduled, not yet live)"
    return f"Publication {publication.number}"


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
            "events_url": _events_url(alert.pk),
            "open_submission": pending,
            "review_url": (
                reverse("admin:alerts_submission_change", args=[pending.pk]) if pending else None
            ),
            "submit_url": (
                reverse("admin:alerts_alert_submit", args=[alert.pk])
                if user.has_perm("alerts.submit_alert") and not withdrawn
                else None
            ),
            "withdraw_url": (
                reverse("admin:alerts_alert_withdraw", args=[alert.pk])
                if user.has_perm("alerts.withdraw_alert") and published and not withdrawn
                else None
            ),
            "changes_requested": None,
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
        form = SubmitForm(
            request.POST if request.method == "POST" else None,
            published_before=alert.publications.exists(),
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
        live = _current_publication(alert)
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
                    + _in_review_already(alert)
                ),
                "problems": workflow.submission_problems(snapshot),
                "diff": diff_snapshots(
                    live.snapshot if live else None,
                    snapshot,
                    old_label=_publication_label(live),
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
        elif Withdrawal.objects.filter(alert=alert).exists():
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

    def diff_view(self, request, object_id):
        """The working copy against the live publication."""
        alert = self._alert_for(request, object_id)
        live = _current_publication(alert)
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
                old_label=_publication_label(live),
                new_label="Working copy",
            ),
        }
        return TemplateResponse(request, "admin/alerts/alert/diff.html", context)


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
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Awaiting my review",
            "rows": rows,
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
                f"{publication.go_live_at:%Y-%m-%d %H:%M} UTC."
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
        base = _base_publication(submission)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": submission,
            "title": f"Review: {submission.snapshot.get('title', alert.title)}",
            "submission": submission,
            "alert": alert,
            "alert_url": reverse("admin:alerts_alert_change", args=[alert.pk]),
            "preview_url": reverse("staff:submission_preview", args=[submission.pk]),
            "events_url": _events_url(alert.pk),
            "approvals": list(submission.approvals.select_related("reviewer")),
            "pending": pending,
            "stale": stale,
            "stale_message": workflow.STALE_MESSAGE,
            "approve_refusal": approve_refusal,
            "changes_refusal": changes_refusal,
            "approve_form": approve_form,
            "changes_form": changes_form,
            "events": list(submission.events.order_by("created_at", "id")),
            "base_publication": base,
            "diff": diff_snapshots(
                base.snapshot if base else None,
                submission.snapshot,
                old_label=_publication_label(base),
                new_label="Submitted version",
            ),
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

    @admin.display(description="from", ordering="from_state")
    def from_state_label(self, event):
        return STATES.get(event.from_state, event.from_state)

    @admin.display(description="to", ordering="to_state")
    def to_state_label(self, event):
        return STATES.get(event.to_state, event.to_state)


# --- Countries: their names and addresses show on public pages --------------------------
# stages/ knows nothing of alerts, so the country admin it registers is extended here:
# an edit ends the public page cache's generation, so readers see it on their next
# request.
admin.site.unregister(Country)


@admin.register(Country)
class CountryAdmin(stages_admin.CountryAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        page_cache.changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        page_cache.changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        page_cache.changed()
