from django import forms
from django.contrib import admin
from django.urls import reverse
from reversion.admin import VersionAdmin

from sources.models import Citation
from stages.models import StageEvidence, StageRating

from .models import Alert, Publication, Recommendation, Submission, WorkflowEvent
from .text import dangling_markers, describe_dangling


class StageRatingInline(admin.TabularInline):
    model = StageRating
    extra = 0
    autocomplete_fields = ["country"]
    fields = ["country", "stage", "rationale"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "rationale":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "cols": 60})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class StageEvidenceInline(admin.StackedInline):
    model = StageEvidence
    extra = 0
    autocomplete_fields = ["country"]
    fields = [("stage", "country", "period", "position"), "text"]


class RecommendationInline(admin.TabularInline):
    model = Recommendation
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


class CitationFormSet(forms.BaseInlineFormSet):
    """Refuses a save in which any text cites a footnote number the alert does not have.

    The check needs every other inline on the page, which the admin attaches as
    ``sibling_formsets`` (see ``AlertAdmin._create_formsets``).
    """

    sibling_formsets = ()

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


@admin.register(Alert)
class AlertAdmin(VersionAdmin):
    list_display = ["title", "level", "country_list", "issued_on", "updated_at"]
    list_filter = ["level", "countries", "updated_at"]
    search_fields = ["title", "slug", "summary", "countries__name"]
    date_hierarchy = "issued_on"
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["countries"]
    inlines = [StageRatingInline, StageEvidenceInline, RecommendationInline, CitationInline]
    history_latest_first = True
    fieldsets = [
        (None, {"fields": ["title", "slug", "level", "issued_on", "countries"]}),
        ("Text", {"fields": ["summary", "background", "legal_analysis", "assessment"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("countries")

    @admin.display(description="Countries")
    def country_list(self, obj):
        return ", ".join(c.name for c in obj.countries.all())

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def _create_formsets(self, request, obj, change):
        # Cross-inline validation (markers in one inline, citations in another) has no
        # public hook in ModelAdmin; this is the one place all formsets exist together.
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        for formset in formsets:
            formset.sibling_formsets = formsets
        return formsets, inline_instances

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["preview_url"] = reverse("staff:alert_preview", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    # The public page shows the latest publication, not this working copy; the
    # preview link on the change page shows the working copy.
    view_on_site = False


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
    list_display = ["alert", "status", "submitted_by", "submitted_at", "change_kind"]
    list_filter = ["status", "change_kind"]
    list_select_related = ["alert", "submitted_by"]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["title", "number", "change_kind", "go_live_at"]
    list_filter = ["change_kind", "level"]
    search_fields = ["title", "slug"]


@admin.register(WorkflowEvent)
class WorkflowEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "alert_title", "action", "actor_name", "from_state", "to_state"]
    list_filter = ["action"]
    search_fields = ["alert_title", "actor_name", "comment"]
    date_hierarchy = "created_at"
