from django.contrib import admin
from django.db.models import Count
from reversion.admin import VersionAdmin

from .models import Source


@admin.register(Source)
class SourceAdmin(VersionAdmin):
    list_display = ["title", "publisher", "published_on", "accessed_on", "cited_by"]
    list_filter = ["publisher"]
    search_fields = ["title", "publisher", "url"]
    date_hierarchy = "published_on"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(alert_count=Count("citations__alert", distinct=True))
            # Annotating drops the model's default ordering; keep it stable for paging.
            .order_by("title", "pk")
        )

    @admin.display(description="Cited by (alerts)", ordering="alert_count")
    def cited_by(self, obj):
        return obj.alert_count
