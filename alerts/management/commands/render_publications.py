from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.db.models.functions import Mod

from alerts import items, pages, rendering
from alerts.models import Publication
from alerts.synthetic.progress import Progress

PARTS = ["content", "items", "pages"]


class Command(BaseCommand):
    help = (
        "Render the content HTML of live publications, their entries in lists and feeds, "
        "and the whole page of each alert's current one, where there is none or one made "
        "by other templates or code (alerts/rendering.py, alerts/items.py, "
        "alerts/pages.py). Pages do this on first read anyway; run it after a deploy that "
        "changes the alert templates, so no reader waits for it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--current-only",
            action="store_true",
            help="Only each alert's current version (not the older versions' pages).",
        )
        parser.add_argument(
            "--part",
            default="1/1",
            help="Render only part K of N (e.g. 1/2 and 2/2 in two processes).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Render again even what the current renderer made (after changing what "
            "its digest does not cover: see alerts/rendering.py, alerts/items.py and "
            "alerts/pages.py).",
        )
        parser.add_argument(
            "--only",
            nargs="+",
            choices=PARTS,
            default=PARTS,
            help="Render only these (default: all): content, items (list and feed entries), pages.",
        )
        parser.add_argument("--batch-size", type=int, default=100)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        try:
            k, n = (int(x) for x in options["part"].split("/"))
        except ValueError:
            k = n = 0
        if not 1 <= k <= n:
            raise CommandError("--part must be K/N with 1 <= K <= N, e.g. 1/2.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        publications = (
            Publication.objects.latest_live()
            if options["current_only"]
            else Publication.objects.live()
        )
        only, done = options["only"], []
        if "content" in only:
            stale = publications
            if not options["force"]:
                stale = stale.filter(
                    Q(rendering__isnull=True) | ~Q(rendering__renderer=rendering.renderer())
                )
            count = self._render(stale, _one_by_one(rendering.store), "publications", k, n, options)
            done.append(f"{count} publications' content")
        if "items" in only:
            stale = publications
            if not options["force"]:
                stale = stale.filter(Q(item__isnull=True) | ~Q(item__renderer=items.renderer()))
            count = self._render(stale, items.store, "items", k, n, options)
            done.append(f"{count} list entries")
        if "pages" in only:
            # Only a current publication's page is served from storage (alerts/pages.py).
            stale = Publication.objects.latest_live()
            if not options["force"]:
                stale = stale.filter(Q(page__isnull=True) | ~Q(page__renderer=pages.renderer()))
            count = self._render(stale, _one_by_one(pages.store), "pages", k, n, options)
            done.append(f"{count} current pages")
        self.stdout.write(f"render_publications: rendered {', '.join(done)}.")

    def _render(self, publications, store, label, k, n, options):
        """Render ``publications`` in batches: ``store`` gets a list of their ids."""
        if n > 1:
            publications = publications.alias(part=Mod("pk", n)).filter(part=k - 1)
        ids = list(publications.order_by("pk").values_list("pk", flat=True))
        progress = Progress(len(ids), label=label, enabled=not options["no_progress"])
        size = options["batch_size"]
        for start in range(0, len(ids), size):
            batch = ids[start : start + size]
            store(batch)
            progress.advance(len(batch))
        progress.close()
        return len(ids)


def _one_by_one(store):
    """A batch ``store`` for a function that renders one publication."""

    def store_batch(ids):
        for publication in Publication.objects.filter(pk__in=ids).select_related("rendering"):
            store(publication)

    return store_batch
