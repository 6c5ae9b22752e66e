"""Sources as editors change them: an edit makes the submissions citing it stale.

sources/ knows nothing of alerts, so the source admin it registers is extended here.
A submitted snapshot copies in the sources it cites; after an edit to one of them the
submission no longer shows what would be published, so it is closed and its
submitter told (alerts/admin/stale.py).
"""

from django.contrib import admin

from sources import admin as sources_admin
from sources.models import Source

from ..models import Alert
from . import stale

admin.site.unregister(Source)


@admin.register(Source)
class SourceAdmin(sources_admin.SourceAdmin):
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        if stale.saved(request, response, object_id):
            stale.tell_after_save(
                request,
                Alert.objects.filter(citations__source__pk=stale.object_pk(object_id)).distinct(),
            )
        return response
