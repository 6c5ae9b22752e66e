from django.core.management.base import BaseCommand

from alerts import rendering
from alerts.models import Publication
from alerts.public import page_cache


class Command(BaseCommand):
    help = (
        "Render again what every publication keeps from its snapshot (content HTML, "
        "summary, countries, search document) with today's code: after a security fix in "
        "the Markdown or sanitising libraries, or a fix to the content template. What was "
        "approved (the snapshot, its hash, title, slug, level and dates) is not touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Publications a batch.")

    def handle(self, *args, **options):
        ids = list(Publication.objects.order_by("pk").values_list("pk", flat=True))
        size = options["batch_size"]
        done = 0
        for start in range(0, len(ids), size):
            done += rendering.render_again(ids[start : start + size])
            self.stdout.write(f"{done:,} of {len(ids):,} publications rendered again")
        page_cache.changed()
        self.stdout.write(f"render_publications: {done:,} publications rendered again.")
