from django.core.management.base import BaseCommand, CommandError

from alerts.synthetic.seed import WORKFLOW_THRESHOLD, seed


class Command(BaseCommand):
    help = (
        "Create N clearly synthetic alerts for benchmarks (lorem-like text, 'Synthetic country "
        "017'), each ~2,000 words with ~10 determinations, ~10 evidence rows, ~8 "
        "recommendations and ~20 citations, most of them published, some several times. "
        "Deterministic for a seed; running it again creates only what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--alerts", type=int, required=True, help="How many alerts in all.")
        parser.add_argument("--countries", type=int, default=200)
        parser.add_argument("--sources", type=int, default=2000, help="Shared source pool.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--path",
            choices=["auto", "workflow", "bulk"],
            default="auto",
            help=(
                "workflow: alerts.editing + alerts.workflow per alert (slow, the real thing); "
                "bulk: batched rows of the same shape (fast); auto: workflow up to "
                f"{WORKFLOW_THRESHOLD} alerts, bulk above."
            ),
        )
        parser.add_argument("--via-workflow", action="store_true", help="Same as --path workflow.")
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Alerts per transaction (bulk)."
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        if options["alerts"] < 0 or options["countries"] < 1 or options["sources"] < 1:
            raise CommandError("--alerts must be >= 0; --countries and --sources >= 1.")
        result = seed(
            options["alerts"],
            countries=options["countries"],
            sources=options["sources"],
            seed=options["seed"],
            path="workflow" if options["via_workflow"] else options["path"],
            batch_size=options["batch_size"],
            progress=not options["no_progress"],
        )
        self.stdout.write(
            f"seed_synthetic: {result.created} alerts created ({result.path} path), "
            f"{result.existing} already present, in {result.seconds:.1f}s."
        )
        if result.path == "bulk" and result.created:
            self.stdout.write(
                "The bulk path does not render publications' content (the workflow does, "
                "at publication); pages render it on first read, or run render_publications."
            )
