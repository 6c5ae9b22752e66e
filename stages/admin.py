from django.contrib import admin
from reversion.admin import VersionAdmin

from .models import Country, Stage


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    """The ten stages are reference data: visible to staff, changed only by a migration."""

    list_display = ["number", "name", "definition"]
    ordering = ["number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Country)
class CountryAdmin(VersionAdmin):
    list_display = ["name", "iso_code", "region"]
    list_filter = ["region"]
    search_fields = ["name", "aliases", "iso_code"]
    prepopulated_fields = {"slug": ["name"]}
