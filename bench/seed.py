"""Seed N clearly synthetic alerts for the benchmarks (bench/README.md, "seed.py").

    .venv/bin/python bench/seed.py --alerts 100000 \\
        --database-url postgres://postgres@127.0.0.1:5432/alerts_bench

Lorem-like text, "Synthetic country 017", each alert ~2,000 words with ~10
determinations, ~10 evidence rows, ~8 recommendations and ~20 citations; most
published, some several times. Deterministic for a seed; running it again creates
only what is missing. The database must be migrated (``manage.py migrate``).

Django is set up here as the benchmarks' servers run it (bench/common.py: DEBUG
off, bench.settings), so publications' content is rendered as in production.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_SQLITE, server_env, setup_django  # noqa: E402
from bench.synthetic import WORKFLOW_THRESHOLD  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or DEFAULT_SQLITE,
        help="Default: $DATABASE_URL, else db.sqlite3.",
    )
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
    parser.add_argument(
        "--render-processes",
        type=int,
        default=os.cpu_count() or 1,
        help="Worker processes rendering publications' content (bulk); 0 renders in "
        "this process. Default: one per CPU.",
    )
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    if args.alerts < 0 or args.countries < 1 or args.sources < 1:
        parser.error("--alerts must be >= 0; --countries and --sources >= 1.")
    if args.batch_size < 1 or args.render_processes < 0:
        parser.error("--batch-size must be >= 1 and --render-processes >= 0.")
    return args


def run(args, stdout=None):
    """Seed as ``args`` say, in this process's (set up) Django."""
    from bench.synthetic.seed import seed

    stdout = stdout or sys.stdout
    result = seed(
        args.alerts,
        countries=args.countries,
        sources=args.sources,
        seed=args.seed,
        path="workflow" if args.via_workflow else args.path,
        batch_size=args.batch_size,
        render_processes=args.render_processes,
        progress=not args.no_progress,
    )
    stdout.write(
        f"seed: {result.created} alerts created ({result.path} path), "
        f"{result.existing} already present, in {result.seconds:.1f}s.\n"
    )
    return result


def main(argv=None):
    args = parse_args(argv)
    setup_django(server_env(args.database_url))
    run(args)


if __name__ == "__main__":
    main()
