"""Countries as editors change them: an edit makes the submissions that copy the
country in stale, and reaches readers only with the next reviewed publication that
includes the country (queries.public_countries), so nothing public moves here."""

from django.contrib import admin

from stages import admin as stages_admin
from stages.models import Country

from ..models import Alert
from . import stale

# stages/ knows nothing of alerts, so the country admin it registers is extended here.
admin.site.unregister(Country)


@admin.register(Country)
class CountryAdmin(stages_admin.CountryAdmin):
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        if stale.saved(request, response, object_id):
            # Submitted snapshots copy the country in: an edit makes them stale.
            stale.tell_after_save(
                request, Alert.objects.filter(countries__pk=stale.object_pk(object_id)).distinct()
            )
        return response
