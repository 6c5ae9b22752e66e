"""Server time of every page at scale: PostgreSQL with 100,000 synthetic alerts.

    .venv/bin/python bench/seed.py --alerts 100000 --database-url ...   # once
    .venv/bin/python bench/scale.py --database-url postgres://postgres@127.0.0.1:5432/alerts_bench

Requests go through Django's test Client in this process, so the full middleware
stack runs and the time is the server's alone (no network, no load generator).
Settings are production's (DEBUG off), and, as in each gunicorn worker
(config/gunicorn.py), the objects made at start-up are frozen out of the garbage
collector's sight (--no-freeze leaves them). Each page is requested --repeat times:

- "cold": the cache is cleared before every request (what a page costs when it
  is not cached: the first reader after a new publication, or a miss);
- "warm": the cache is left alone (what repeat readers cost).

Also: the CSV export (streamed; time, and peak Python memory by tracemalloc after
10% and after 100% of the rows, which stays flat if it streams), the admin
changelist and change page (as a superuser), the admin history of an alert with
1,000 revisions (made once, through alerts.editing.revision), and publishing
(alerts.workflow.submit + approve) of an edited alert.

Prints p50/p99/max and whether each meets issue 5's target. It changes the data
(1,000 revisions on one alert the first time; one new publication per publish
measured), so run it against a benchmark database, never production.
"""

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import collectstatic, loadavg, machine, server_env, setup_django  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/alerts_bench"
HISTORY_REVISIONS = 1000
PUBLIC_P99_MS = 50
SEARCH_P99_MS = 100
PUBLISH_MS = 300
HISTORY_MS = 300


class Scale:
    def __init__(self, args):
        self.args = args
        self.results = []
        from django.contrib.auth import get_user_model
        from django.core.cache import cache
        from django.test import Client

        self.cache = cache
        self.client = Client(HTTP_HOST="127.0.0.1")
        self.admin = Client(HTTP_HOST="127.0.0.1")
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username="synthetic-admin",
            defaults={"is_staff": True, "is_superuser": True, "email": ""},
        )
        if created:
            user.set_unusable_password()
            user.save()
        self.admin.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    # -- timing --

    def _time(self, client, path, *, cold, stream=False):
        if cold:
            self.cache.clear()
        start = time.perf_counter()
        try:
            response = client.get(path)
        except Exception as error:
            from django.db import connection

            connection.close()
            elapsed = time.perf_counter() - start
            raise RuntimeError(f"{type(error).__name__} after {elapsed:.0f}s: {error}") from error
        if stream and response.streaming:
            for _ in response.streaming_content:
                pass
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        return elapsed

    def measure(self, name, paths, *, target=None, modes=("cold", "warm"), client=None, n=None):
        """Request ``paths`` (one path, or a list cycled through) n times per mode."""
        client = client or self.client
        n = n or self.args.repeat
        paths = [paths] if isinstance(paths, str) else list(paths)
        if self.args.only and not any(word in name for word in self.args.only):
            return
        if not paths:
            print(f"{name}: nothing to request (no synthetic alerts: run bench/seed.py)")
            return
        row = {
            "name": name,
            "path": paths[0] + (f" (+{len(paths) - 1} more)" if len(paths) > 1 else ""),
        }
        try:
            first = self._time(client, paths[0], cold=True)  # imports, templates, connection
            if first > self.args.slow * 1000:
                # Too slow to repeat: one cold sample says enough.
                row["cold"] = summary([first])
                row["slow"] = True
                self._record(row, target)
                return
            for mode in modes:
                times = [
                    self._time(client, paths[i % len(paths)], cold=mode == "cold") for i in range(n)
                ]
                row[mode] = summary(times)
        except RuntimeError as error:
            row["error"] = str(error)
        self._record(row, target)

    def _record(self, row, target):
        if target is not None:
            row["target_ms"] = target
            # Judged per mode: a page can meet the target from the cache and miss it cold.
            row["meets_by_mode"] = {
                m: row[m]["p99"] <= target for m in ("cold", "warm", "time") if m in row
            }
            row["meets"] = bool(row["meets_by_mode"]) and all(row["meets_by_mode"].values())
        self.results.append(row)
        print_row(row)

    # -- the pages --

    def public_pages(self):
        from django.db.models import Count

        from alerts.models import Publication, PublishedDetermination
        from bench.synthetic import plan as p

        live = Publication.objects.current()
        slugs = list(live.filter(slug__startswith=p.SLUG_PREFIX).values_list("slug", flat=True))
        rng = random.Random(1)
        sample = rng.sample(slugs, min(len(slugs), 200))
        busy = list(
            PublishedDetermination.objects.filter(publication__in=live)
            .values("country__slug")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list("country__slug", "n")
        )
        busiest, busiest_n = busy[0]
        quiet, quiet_n = busy[-1]
        several = (
            Publication.objects.filter(slug__startswith=p.SLUG_PREFIX, number=3)
            .values_list("slug", flat=True)
            .first()
        )
        words = list(dict.fromkeys(p.vocabulary()))
        common, rare = words[0], words[3500]
        t = PUBLIC_P99_MS
        self.measure("home", "/", target=t)
        self.measure("list, page 1", "/alerts/", target=t)
        self.measure("list, page 500", "/alerts/?page=500", target=t)
        self.measure(
            f"list ?country= (busiest, {busiest_n} det.)", f"/alerts/?country={busiest}", target=t
        )
        self.measure(
            f"list ?country= (quietest, {quiet_n} det.)&level=1",
            f"/alerts/?country={quiet}&level=1",
            target=t,
        )
        self.measure("list ?level=3", "/alerts/?level=3", target=t)
        self.measure("list ?stage=10", "/alerts/?stage=10", target=t)
        self.measure("list ?issued_after=2020-01-01", "/alerts/?issued_after=2020-01-01", target=t)
        self.measure(
            "list ?issued_before=2005-01-01", "/alerts/?issued_before=2005-01-01", target=t
        )
        self.measure(
            "list ?country=&stage=&level= combined",
            f"/alerts/?country={busiest}&stage=8&level=2",
            target=t,
        )
        self.measure(f"search common word ({common})", f"/alerts/?q={common}", target=SEARCH_P99_MS)
        self.measure(f"search rare word ({rare})", f"/alerts/?q={rare}", target=SEARCH_P99_MS)
        self.measure(
            "search two words", f"/alerts/?q={words[10]}+{words[400]}", target=SEARCH_P99_MS
        )
        self.measure("search + filter", f"/alerts/?q={words[50]}&level=3", target=SEARCH_P99_MS)
        self.measure("alert page (200 different)", [f"/alerts/{s}/" for s in sample], target=t)
        if several:
            self.measure(
                "alert versions (3 publications)", f"/alerts/{several}/versions/", target=t
            )
            self.measure("alert version diff", f"/alerts/{several}/versions/3/?compare=1", target=t)
        self.measure("country list", "/countries/", target=t)
        self.measure(
            f"country page (busiest, {busiest_n} det.)", f"/countries/{busiest}/", target=t
        )
        self.measure(f"country page (quietest, {quiet_n} det.)", f"/countries/{quiet}/", target=t)
        self.measure("stages", "/stages/", target=t)
        self.measure("feed", "/feeds/alerts/", target=t)
        self.measure("country feed (busiest)", f"/feeds/countries/{busiest}/", target=t)
        self.measure("API list", "/api/alerts/", target=t)
        self.measure("API alert", [f"/api/alerts/{s}/" for s in sample], target=t)
        self.measure("sitemap index", "/sitemap.xml", target=t)

    def csv_export(self):
        if self.args.only and not any("csv" in w.lower() for w in self.args.only):
            return
        try:
            self._csv_export()
        except Exception as error:  # noqa: BLE001 (e.g. the statement timeout mid-stream)
            from django.db import connection

            connection.close()
            row = {"name": "CSV export (streamed, whole file)", "path": "/api/determinations.csv"}
            row["error"] = f"{type(error).__name__}: {error}"
            self._record(row, None)

    def _csv_export(self):
        path = "/api/determinations.csv"
        times = []
        rows = size = 0
        for _ in range(self.args.csv_repeat):
            self.cache.clear()
            start = time.perf_counter()
            response = self.client.get(path)
            rows = size = 0
            first_chunk_ms = None
            for chunk in response.streaming_content:
                if first_chunk_ms is None:
                    first_chunk_ms = (time.perf_counter() - start) * 1000
                rows += 1
                size += len(chunk)
            times.append((time.perf_counter() - start) * 1000)
        # Memory, in a separate run (tracemalloc slows Python down).
        tracemalloc.start()
        response = self.client.get(path)
        peak_10 = None
        for seen, _ in enumerate(response.streaming_content, start=1):
            if peak_10 is None and seen >= rows // 10:
                peak_10 = tracemalloc.get_traced_memory()[1]
        peak_100 = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        constant = peak_100 <= peak_10 * 1.25 + 1_000_000
        row = {
            "name": "CSV export (streamed, whole file)",
            "path": path,
            "time": summary(times),
            "csv": {
                "rows": rows - 1,
                "bytes": size,
                "first_byte_ms": first_chunk_ms,
                "peak_after_10pct_mb": peak_10 / 2**20,
                "peak_after_100pct_mb": peak_100 / 2**20,
                "constant_memory": constant,
            },
        }
        self.results.append(row)
        print_row(row)
        print(
            f"    {rows - 1:,} rows, {size / 2**20:.1f} MiB; first byte after {first_chunk_ms:.0f} ms; "
            f"peak Python memory {peak_10 / 2**20:.2f} MiB after 10% of the rows, "
            f"{peak_100 / 2**20:.2f} MiB after all: "
            + ("constant (streams)" if constant else "GROWS with the export")
        )

    def admin_pages(self):
        from alerts.models import Alert
        from bench.synthetic import plan as p

        alert = Alert.objects.filter(slug=p.alert_slug(50)).first() or Alert.objects.first()
        self.measure(
            "admin changelist",
            "/admin/alerts/alert/",
            target=PUBLIC_P99_MS,
            client=self.admin,
            modes=("warm",),
        )
        self.measure(
            "admin changelist ?q=",
            f"/admin/alerts/alert/?q={p.alert_slug(4242)}",
            client=self.admin,
            modes=("warm",),
        )
        self.measure(
            "admin change page",
            f"/admin/alerts/alert/{alert.pk}/change/",
            client=self.admin,
            modes=("warm",),
        )
        history = self.history_alert()
        self.measure(
            f"admin history ({HISTORY_REVISIONS:,} revisions)",
            f"/admin/alerts/alert/{history.pk}/history/",
            target=HISTORY_MS,
            client=self.admin,
            modes=("warm",),
            n=min(self.args.repeat, 20),
        )

    def history_alert(self):
        """One alert with 1,000 revisions, each made through alerts.editing.revision."""
        from django.contrib.auth import get_user_model
        from reversion.models import Version

        from alerts.editing import revision
        from alerts.models import Alert
        from bench.synthetic import plan as p

        alert = Alert.objects.get(slug=p.alert_slug(1))
        have = Version.objects.get_for_object(alert).count()
        if have < HISTORY_REVISIONS:
            editor = get_user_model().objects.get(username=p.EDITOR)
            print(
                f"  making {HISTORY_REVISIONS - have} revisions of {alert.slug} ...",
                file=sys.stderr,
            )
            base = alert.assessment
            for k in range(have, HISTORY_REVISIONS):
                with revision(user=editor, comment=f"History benchmark edit {k}"):
                    alert.assessment = f"{base}\n\nHistory benchmark edit {k}."
                    alert.save()
        return alert

    def publish(self):
        if self.args.only and not any("publish" in w for w in self.args.only):
            return
        from django.contrib.auth import get_user_model
        from django.test.utils import override_settings

        from alerts import workflow
        from alerts.editing import revision
        from alerts.models import Alert
        from bench.synthetic import plan as p

        User = get_user_model()
        editor = User.objects.get(username=p.EDITOR)
        reviewers = [User.objects.get(username=name) for name in p.REVIEWERS]
        candidates = list(
            Alert.objects.filter(
                slug__startswith=p.SLUG_PREFIX, publications__isnull=False, withdrawals__isnull=True
            )
            .exclude(submissions__status="pending")
            .exclude(slug=p.alert_slug(1))
            .order_by("pk")
            .values_list("pk", flat=True)
            .distinct()[:5000]
        )
        picked = random.Random(2).sample(candidates, min(len(candidates), self.args.publish_repeat))
        totals, submits, approves = [], [], []
        with override_settings(
            MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
        ):
            for pk in picked:
                alert = Alert.objects.get(pk=pk)
                with revision(user=editor, comment="Publish benchmark edit"):
                    alert.assessment += "\n\nPublish benchmark: one more sentence."
                    alert.save()
                start = time.perf_counter()
                submission = workflow.submit(
                    alert=alert,
                    user=editor,
                    change_kind="update",
                    change_note="Publish benchmark update.",
                )
                middle = time.perf_counter()
                publication = None
                for reviewer in reviewers[: submission.approvals_required]:
                    publication = workflow.approve(submission=submission, user=reviewer)
                end = time.perf_counter()
                assert publication is not None
                totals.append((end - start) * 1000)
                submits.append((middle - start) * 1000)
                approves.append((end - middle) * 1000)
        row = {
            "name": "publish (submit + approve)",
            "path": "alerts.workflow",
            "time": summary(totals),
        }
        self._record(row, PUBLISH_MS)
        print(
            f"    of which submit p50 {statistics.median(submits):.1f} ms, "
            f"approve(s) p50 {statistics.median(approves):.1f} ms"
        )


def summary(times):
    ordered = sorted(times)
    return {
        "n": len(ordered),
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))],
        "max": ordered[-1],
    }


def print_row(row):
    def cell(mode):
        s = row.get(mode)
        return f"{s['p50']:8.1f} {s['p99']:8.1f}" if s else f"{'':8} {'':8}"

    target = ""
    if "target_ms" in row:
        verdicts = ", ".join(
            f"{'' if mode == 'time' else mode + ' '}{'met' if ok else 'MISSED'}"
            for mode, ok in row["meets_by_mode"].items()
        )
        target = f"p99 <= {row['target_ms']} ms: {verdicts or 'MISSED'}"
    if row.get("slow"):
        target += " (too slow to repeat: one cold request)"
    if "error" in row:
        target = f"FAILED: {row['error'][:90]}"
    first = row.get("cold") or row.get("time") or row.get("warm")
    n = first["n"] if first else 0
    print(
        f"{row['name'][:44]:44} {n:>4} {cell('cold') if 'cold' in row else cell('time')} {cell('warm')}  {target}"
    )


def header(args, count):
    print(
        f"\nScale — {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; {machine()}; load average "
        f"{loadavg()[0]:.2f}; {count:,} synthetic alerts; in-process Django test Client, DEBUG off"
        f"{'' if args.no_freeze else ', start-up objects frozen as in config/gunicorn.py'}.\n"
        "Times in ms. 'cold': cache cleared before each request; 'warm': cache left alone.\n"
    )
    print(
        f"{'page':44} {'n':>4} {'cold p50':>8} {'cold p99':>8} {'warm p50':>8} {'warm p99':>8}  target"
    )
    print("-" * 120)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--repeat", type=int, default=30, help="Requests per page and mode.")
    parser.add_argument("--csv-repeat", type=int, default=2)
    parser.add_argument("--publish-repeat", type=int, default=20)
    parser.add_argument("--min-alerts", type=int, default=100_000)
    parser.add_argument(
        "--slow",
        type=float,
        default=3,
        help="A page whose first request takes longer (seconds) is measured once, not repeated.",
    )
    parser.add_argument(
        "--statement-timeout",
        type=int,
        default=120,
        help="PostgreSQL statement_timeout (seconds) for this process, so no page runs forever.",
    )
    parser.add_argument("--only", nargs="*", help="Only rows whose name contains one of these.")
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="Leave the objects made at start-up to the garbage collector (the workers "
        "freeze them: config/gunicorn.py).",
    )
    parser.add_argument("--json", help="Also write the results to this file.")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="alerts-scale-"))
    try:
        env = server_env(
            args.database_url,
            static_root=tmp / "static",
            PGOPTIONS=f"-c statement_timeout={args.statement_timeout * 1000}",
            # A page that fails is reported in the table; its traceback would only bury it.
            LOG_LEVEL="CRITICAL",
        )
        collectstatic(env)
        setup_django(env)
        from alerts.models import Alert
        from bench.synthetic import plan as p

        count = Alert.objects.filter(slug__startswith=p.SLUG_PREFIX).count()
        if count < args.min_alerts:
            sys.exit(
                f"Only {count:,} synthetic alerts; seed first: python bench/seed.py "
                f"--database-url {args.database_url} --alerts {args.min_alerts} "
                "(or pass --min-alerts)."
            )
        scale = Scale(args)
        if not args.no_freeze:
            # What each gunicorn worker does once it has loaded the site.
            from config.gunicorn import post_worker_init

            post_worker_init(worker=None)
        header(args, count)
        load_before = loadavg()
        scale.public_pages()
        scale.csv_export()
        scale.admin_pages()
        scale.publish()
        missed = [r["name"] for r in scale.results if r.get("meets") is False or "error" in r]
        print(f"\nTargets missed: {', '.join(missed) if missed else 'none'}.")
        if args.json:
            Path(args.json).write_text(
                json.dumps(
                    {
                        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                        "machine": machine(),
                        "alerts": count,
                        "load_before": load_before,
                        "load_after": loadavg(),
                        "results": scale.results,
                    },
                    indent=2,
                )
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
