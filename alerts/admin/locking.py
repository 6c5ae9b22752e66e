"""Optimistic locking for the alert admin: a save based on an old version is refused.

The form carries the id of the reversion revision it was rendered from. Every
admin save of an alert (inlines included) records a new revision, so if the
newest revision is not the one the form was based on, someone else saved in
between. The save is refused with their name and time, the editor's input stays
on the form, and the token moves to the newest revision so that a deliberate
second save goes through (the overwritten version stays in the history).
"""

from django import forms
from django.utils import timezone
from django.utils.functional import cached_property

from ..models import Alert
from ..versions import alert_versions

TOKEN_FIELD = "based_on_revision"


def newest_revision(alert_pk):
    version = (
        alert_versions(str(alert_pk))
        .select_related("revision__user")
        .order_by("-revision_id")
        .first()
    )
    return version.revision if version else None


class OptimisticLockForm(forms.ModelForm):
    based_on_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            revision = newest_revision(self.instance.pk)
            self.initial[TOKEN_FIELD] = revision.pk if revision else None

    @cached_property
    def changed_data(self):
        # The token is bookkeeping, not part of the alert: never "Changed based on
        # revision" in the history, and a save that changes nothing else changes nothing.
        return [name for name in super().changed_data if name != TOKEN_FIELD]

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        # Lock the row so two concurrent saves cannot both pass this check.
        Alert.objects.select_for_update().filter(pk=self.instance.pk).first()
        current = newest_revision(self.instance.pk)
        based_on = cleaned.get(TOKEN_FIELD)
        if current is not None and based_on != current.pk:
            who = current.user.get_username() if current.user else "someone"
            when = timezone.localtime(current.date_created).strftime("%Y-%m-%d %H:%M:%S %Z")
            data = self.data.copy()
            data[self.add_prefix(TOKEN_FIELD)] = str(current.pk)
            self.data = data
            raise forms.ValidationError(
                "%(who)s changed this alert at %(when)s, after you opened it. Your changes "
                "are still on this page and have not been saved. Compare with the history, "
                "then save again to replace their version (it stays in the history).",
                code="edit_conflict",
                params={"who": who, "when": when},
            )
        return cleaned
