"""Countries as editors change them: an edit shows on public pages at once."""

from django.contrib import admin

from stages import admin as stages_admin
from stages.models import Country

from ..models import Alert
from ..public import front_cache, page_cache
from . import stale

# --- Countries: their names and addresses show on public pages --------------------------
# stages/ knows nothing of alerts, so the country admin it registers is extended here:
# an edit ends the public page cache's generation and purges the front cache (the
# country's pages under its old and new slug, and the alerts that rate it), so readers
# see it on their next request.
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

    def save_model(self, request, obj, form, change):
        before = Country.objects.filter(pk=obj.pk).values_list("slug", flat=True).first()
        super().save_model(request, obj, form, change)
        page_cache.changed()
        front_cache.country_changed(*{before, obj.slug} - {None})

    def delete_model(self, request, obj):
        front_cache.country_changed(obj.slug)
        super().delete_model(request, obj)
        page_cache.changed()

    def delete_queryset(self, request, queryset):
        front_cache.country_changed(*queryset.values_list("slug", flat=True))
        super().delete_queryset(request, queryset)
        page_cache.changed()
