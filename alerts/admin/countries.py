"""Countries as editors change them: an edit shows on public pages at once."""

from django.contrib import admin

from stages import admin as stages_admin
from stages.models import Country

from ..public import page_cache

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
