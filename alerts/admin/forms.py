"""The alert page's inlines and their cross-inline checks, the workflow's forms, and
the helpers the alert and review pages share."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from .. import workflow
from ..models import (
    Alert,
    ChangeKind,
    Citation,
    Publication,
    Recommendation,
    StageEvidence,
    StageRating,
)
from ..text import dangling_markers, describe_dangling


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
        label="Go-live time",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty to publish as soon as it is approved.",
    )

    def __init__(self, *args, published_before, withdrawn=False, **kwargs):
        super().__init__(*args, **kwargs)
        if withdrawn:
            # Only a restoration brings a withdrawn alert back, and its note says why.
            self.fields["change_kind"].choices = [(ChangeKind.RESTORATION, "Restoration")]
            self.initial["change_kind"] = ChangeKind.RESTORATION
            self.fields["change_note"].help_text = (
                "Shown to the public with this version: why the alert is restored, and what "
                "was corrected if anything."
            )
        # Read in the organisation's time zone (TIME_ZONE): the label says which.
        self.fields["go_live_at"].label = f"Go-live time ({timezone.get_current_timezone_name()})"
        if not published_before:
            # A first publication has no change note: the whole alert is new.
            del self.fields["change_kind"]
            del self.fields["change_note"]

    @staticmethod
    def initial_from(submission):
        """What to fill in from an earlier submission of the same round (sent back or
        gone stale): its change note, kind and go-live time if that is still ahead."""
        if submission is None:
            return {}
        initial = {"change_kind": submission.change_kind, "change_note": submission.change_note}
        if submission.go_live_at and submission.go_live_at > timezone.now():
            initial["go_live_at"] = timezone.localtime(submission.go_live_at)
        return initial

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


def events_url(alert_pk):
    return (
        reverse("admin:alerts_workflowevent_changelist") + "?" + urlencode({"alert_ref": alert_pk})
    )


def current_publication(alert):
    """The publication a new version would replace: the live one, or if none is live
    (scheduled, or withdrawn), the latest."""
    return workflow.live_publication(alert) or workflow.latest_publication(alert)


def base_publication(submission):
    """What a submission is compared with: the publication it would replace.

    For a submission that was published, the publication before its own; otherwise
    the live publication (or, if none is live yet, the latest scheduled one).
    """
    alert = submission.alert
    own = Publication.objects.filter(submission=submission).first()
    if own is not None:
        return alert.publications.filter(number__lt=own.number).order_by("-number").first()
    return current_publication(alert)


def in_review_already(alert):
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


def publication_label(publication):
    if publication is None:
        return "Nothing published before"
    if publication.go_live_at > timezone.now():
        return f"Publication {publication.number} (scheduled, not yet live)"
    return f"Publication {publication.number}"
