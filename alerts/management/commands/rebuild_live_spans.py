from django.core.management.base import BaseCommand

from alerts import live_spans


class Command(BaseCommand):
    help = (
        "Rebuild which publication of each alert is current (LiveSpan, alerts/live_spans.py), "
        "the countries and stages each rates (LiveFacet, for the list's filters) "
        "and each country's current determination (CountrySpan) from the publications, "
        "determinations and withdrawals. Saving them through the models keeps these "
        "up to date; run it after anything wrote them otherwise (raw SQL, a data migration, "
        "old app processes still serving while migration 0010 ran)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000, help="Alerts a transaction.")

    def handle(self, *args, **options):
        count = live_spans.rebuild_all(batch_size=options["batch_size"])
        self.stdout.write(
            f"rebuild_live_spans: the spans of {count} alerts and of every country rebuilt."
        )
