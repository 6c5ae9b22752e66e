"""Public URLs. Every view here shows only live publications (Publication.objects.live)."""

app_name = "public"

urlpatterns = []
