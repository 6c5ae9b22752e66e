from django.core.management.base import BaseCommand

from alerts import succession


class Command(BaseCommand):
    help = (
        "Make again which publication of each alert is current (Supersession) and each "
        "country's current determination (CountrySpan), from the publications, "
        "determinations and withdrawals (alerts/succession.py). The workflow keeps them "
        "as it publishes and withdraws; run this after anything wrote publications "
        "another way (a restore with loaddata, raw SQL)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000, help="Alerts a transaction.")

    def handle(self, *args, **options):
        count = succession.rebuild_all(batch_size=options["batch_size"])
        self.stdout.write(f"rebuild_current: {count} alerts and every country made again.")
