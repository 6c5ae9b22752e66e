import re

from django.core.management.base import BaseCommand, CommandError

from alerts import audit

HASH = re.compile(r"^[0-9a-f]{64}$")


class Command(BaseCommand):
    help = (
        "Recompute the audit trail's hash chain (alerts/audit.py) from its first event, "
        "in order, and report the first link that does not hold. With --head, also check "
        "that a head hash you kept (from /audit/ or the API) is still in the chain: if "
        "someone rewrote the events and every later hash, the chain holds again but your "
        "head is gone from it. Exits non-zero on either failure."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--head",
            metavar="HASH",
            help="A head hash published earlier, to be found in the chain.",
        )

    def handle(self, *args, **options):
        remembered = options["head"]
        if remembered is not None:
            remembered = remembered.strip().lower()
            if not HASH.match(remembered):
                raise CommandError("--head takes a SHA-256 hash: 64 hexadecimal digits.")
        result = audit.verify(remembered=remembered)
        if result.broken is not None:
            broken = result.broken
            event = f"event id {broken.event_id}" if broken.event_id else "the head row"
            raise CommandError(
                f"verify_audit: the chain breaks at position {broken.position} ({event}): "
                f"{broken.problem}. The {result.count} events before it hold."
            )
        if remembered is not None and result.remembered_at is None:
            raise CommandError(
                f"verify_audit: the chain holds ({result.count} events, head {result.head}), "
                f"but the head {remembered} you kept is not in it: the events up to it were "
                "rewritten, or it is not a head this site published."
            )
        if remembered is not None:
            self.stdout.write(
                f"The head you kept is event {result.remembered_at} of the chain; "
                f"{result.count - result.remembered_at} events came after it."
            )
        self.stdout.write(
            f"verify_audit: the chain holds: {result.count} events, head {result.head}."
        )
