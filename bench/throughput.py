"""Throughput of the public pages against the framework floor, under gunicorn and wrk.

    .venv/bin/python bench/throughput.py                         # SQLite, db.sqlite3 (demo data)
    .venv/bin/python bench/throughput.py --database-url postgres://postgres@127.0.0.1:5432/alerts_bench

Starts gunicorn (2 sync workers) on a free 127.0.0.1 port with DEBUG off against
the chosen database, then, in rounds, runs wrk (1 thread, 8 connections, a few
seconds) against each page in turn, alternating, so that a change in machine load
hits every page alike. For each page: requests/s, p50 and p99 latency, and the
server CPU spent per request (gunicorn workers' utime+stime from /proc, plus the
PostgreSQL backends' when the database is PostgreSQL), each also as a ratio to the
floor: a constant ~2 KB response through the same settings and middleware.

"alert (cold)" requests a different alert every time (no page repeats in the whole
run), so no page cache can help: each request renders the page around the content
made at publication (alerts/rendering.py). "alert (cached)" requests one alert over
and over.

Needs Debian's wrk (apt-get install wrk). Everything is bound to loopback and
bounded in time; the server is stopped and the temporary directory removed
however the run ends.
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    DEFAULT_SQLITE,
    Gunicorn,
    collectstatic,
    cpu_seconds,
    fetch,
    loadavg,
    machine,
    postgres_backend_pids,
    server_env,
    setup_django,
)

STATEMENT_TIMEOUT_S = 60  # for this process's own probing queries only, not the server's

# Targets from issue 16, as ratios of the floor's requests/s: cached pages with the
# Redis page cache. (A cold alert page's target is its query count: 2, in SQL.)
TARGETS = {
    "alert (cached)": 0.9,
    "list filtered": 0.9,
    "country": 0.9,
    "feed": 0.9,
}

WRK_ROTATE = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  if i > #paths then i = 1; wrapped = true end
  return wrk.format("GET", paths[i])
end
"""


@dataclass
class Page:
    name: str
    path: str
    rotate: list | None = None  # distinct paths, one per request (the cold alert page)
    failures: list = field(default_factory=list)
    status: int | None = None
    queries: int | None = None
    size: int | None = None
    runs: list = field(default_factory=list)

    @property
    def ok(self):
        return self.status == 200


@dataclass
class Run:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    app_cpu: float
    db_cpu: float
    distinct: int | None = None  # distinct pages handed to a cold run


def _ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output):
    requests = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", output).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(m.group(1))
    if m := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(x) for x in m.groups())
    return requests, rps, p50, p99, errors


class Bench:
    def __init__(self, args):
        self.args = args
        self.database_url = args.database_url
        self.is_pg = self.database_url.startswith(("postgres", "postgresql"))
        self.tmp = Path(tempfile.mkdtemp(prefix="alerts-bench-"))
        cache = {}
        if args.redis_url:
            # A prefix of its own: never an earlier run's pages, nor anyone else's.
            cache = {"REDIS_URL": args.redis_url, "CACHE_KEY_PREFIX": f"bench-{os.getpid()}"}
        self.cache = "Redis" if args.redis_url else "local memory"
        self.env = server_env(self.database_url, static_root=self.tmp / "static", **cache)
        self.server = None

    # -- choosing what to request --

    def pages(self):
        """Pick concrete URLs from the data: the largest kind of alert, a busy country."""
        # This process only probes; a pathological page must not hold it for minutes.
        setup_django(self.env | {"PGOPTIONS": f"-c statement_timeout={STATEMENT_TIMEOUT_S * 1000}"})
        from django.db.models import Count

        from alerts.models import Publication, PublishedDetermination

        live = Publication.objects.current()
        newest = live.order_by("-go_live_at").values_list("slug", flat=True)
        slug = self.args.alert or newest.first()
        slugs = list(live.order_by().values_list("slug", flat=True).distinct())
        random.Random(1).shuffle(slugs)
        slugs = [s for s in slugs if s != slug]
        print(f"Cold alert pages: {len(slugs):,} live alerts to request, each once.")
        country = self.args.country or (
            PublishedDetermination.objects.filter(publication__in=live)
            .values("country__slug")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list("country__slug", flat=True)
            .first()
        )
        pages = [
            Page("floor", "/bench/floor/"),
            Page("alert (cached)", f"/alerts/{slug}/"),
            Page("alert (cold)", "", rotate=[f"/alerts/{s}/" for s in slugs]),
            Page("list filtered", f"/alerts/?level={self.args.level}"),
            Page("country", f"/countries/{country}/"),
            Page("feed", "/feeds/alerts/"),
            Page("search", f"/alerts/?q={self.args.search}"),
        ]
        return [p for p in pages if not self.args.only or p.name.split()[0] in self.args.only]

    def probe(self, pages):
        """Status, size and query count of each page (first request, in this process)."""
        from django.db import connection, reset_queries
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        client = Client(HTTP_HOST="127.0.0.1")
        for page in pages:
            path = page.path or (page.rotate[0] if page.rotate else None)
            if path is None:
                page.status = "no data"
                continue
            started = time.monotonic()
            response = None
            with CaptureQueriesContext(connection) as queries:
                try:
                    response = client.get(path)
                except Exception as error:  # noqa: BLE001 (e.g. the statement timeout)
                    print(f"  probe {page.name}: {type(error).__name__}: {error}", file=sys.stderr)
            took = time.monotonic() - started
            page.queries = len(queries)
            reset_queries()
            if response is None:
                page.status = f"slow: > {STATEMENT_TIMEOUT_S}s (query cancelled)"
                connection.close()
            elif took > self.args.probe_timeout:
                # Too slow to load-test: wrk would only measure timeouts and tie up workers.
                page.status = f"slow: {took:.1f}s"
            else:
                # The real server's answer is what counts (e.g. a page that 404s).
                try:
                    status, body = fetch(self.server.base + path, timeout=30)
                    page.status, page.size = status, len(body)
                except OSError as error:
                    page.status = type(error).__name__
            print(
                f"  probe {page.name}: {page.status}, {page.queries} queries, {took:.2f}s in-process",
                file=sys.stderr,
            )
            if page.rotate:
                page.rotate = page.rotate[1:]  # the probe requested the first one
            del response
        connection.close()

    # -- measuring --

    def wrk(self, page, duration):
        cmd = [
            "wrk",
            "--threads",
            "1",
            "--connections",
            str(self.args.connections),
            "--duration",
            f"{duration}s",
            "--timeout",
            "10s",
            "--latency",
        ]
        env = None
        if page.rotate is not None:
            need = page.rotate[: self.args.rotate_chunk]
            page.rotate = page.rotate[self.args.rotate_chunk :]
            paths = self.tmp / "paths.txt"
            paths.write_text("\n".join(need) + "\n")
            script = self.tmp / "rotate.lua"
            script.write_text(WRK_ROTATE)
            cmd += ["--script", str(script)]
            env = {"BENCH_PATHS": str(paths), "PATH": "/usr/bin:/bin"}
            used = len(need)
        cmd.append(self.server.base + (page.path or "/"))
        workers = self.server.worker_pids()
        db_pids = postgres_backend_pids(self.database_url) if self.is_pg else []
        before_app, before_db = cpu_seconds(workers), cpu_seconds(db_pids)
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 30)
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
        out = done.stdout
        after_app = cpu_seconds(workers)
        db_after_pids = postgres_backend_pids(self.database_url) if self.is_pg else []
        after_db = cpu_seconds(set(db_pids) | set(db_after_pids))
        requests, rps, p50, p99, errors = parse_wrk(out)
        if page.rotate is not None and requests > used:
            print(
                f"  note: {page.name} made {requests} requests over {used} distinct pages; "
                "the rest were served from the cache",
                file=sys.stderr,
            )
        app = sum(after_app.get(p, 0) - before_app.get(p, 0) for p in after_app)
        db = sum(after_db.get(p, 0) - before_db.get(p, 0) for p in after_db)
        distinct = used if page.rotate is not None else None
        return Run(requests, duration, rps, p50, p99, errors, app, db, distinct)

    def run(self):
        started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        load_before = loadavg()
        print(f"Machine: {machine()}; load average before: {load_before[0]:.2f}", file=sys.stderr)
        print("collectstatic into a temporary directory ...", file=sys.stderr)
        collectstatic(self.env)
        pages = self.pages()
        self.server = Gunicorn(
            self.env, workers=self.args.workers, log_path=self.tmp / "gunicorn.log"
        ).start()
        print(
            f"gunicorn on {self.server.base}, workers {self.server.worker_pids()}", file=sys.stderr
        )
        self.probe(pages)
        live = [p for p in pages if p.ok]
        for p in pages:
            if not p.ok:
                print(f"  {p.name}: {p.status} — not measured", file=sys.stderr)
        # Warm every worker (imports, template loading, connections) before measuring.
        for page in live:
            if page.rotate is None:
                self.wrk(page, 1)
        for round_number in range(1, self.args.rounds + 1):
            for page in live:
                if page.rotate is not None and not page.rotate:
                    print(
                        f"  round {round_number} {page.name}: no unseen alert left, skipped",
                        file=sys.stderr,
                    )
                    continue
                try:
                    run = self.wrk(page, self.args.duration)
                except (RuntimeError, subprocess.TimeoutExpired) as error:
                    print(f"  round {round_number} {page.name}: {error}", file=sys.stderr)
                    page.failures.append(str(error))
                    continue
                page.runs.append(run)
                print(
                    f"  round {round_number} {page.name:15s} {run.rps:8.1f} req/s "
                    f"p50 {run.p50_ms:6.1f} ms p99 {run.p99_ms:6.1f} ms errors {run.errors}",
                    file=sys.stderr,
                )
        load_after = loadavg()
        return self.report(pages, started, load_before, load_after)

    def report(self, pages, started, load_before, load_after):
        rows = []
        for p in pages:
            row = {"page": p.name, "path": p.path or "(a different alert each request)"}
            row.update(status=p.status, bytes=p.size, queries=p.queries)
            requests = sum(r.requests for r in p.runs)
            if p.failures and not p.runs:
                row["status"] = "failed"
            if p.runs and not requests:
                row["status"] = "no request completed"
            elif p.runs:
                row.update(
                    rps=statistics.median(r.rps for r in p.runs),
                    p50_ms=statistics.median(r.p50_ms for r in p.runs),
                    p99_ms=statistics.median(r.p99_ms for r in p.runs),
                    errors=sum(r.errors for r in p.runs),
                    app_cpu_ms=1000 * sum(r.app_cpu for r in p.runs) / requests,
                    db_cpu_ms=1000 * sum(r.db_cpu for r in p.runs) / requests,
                )
                row["cpu_ms"] = row["app_cpu_ms"] + row["db_cpu_ms"]
                distinct = [r.distinct for r in p.runs if r.distinct is not None]
                if distinct:
                    # Share of the "cold" requests that really asked for an unseen page.
                    row["cold_share"] = min(1.0, sum(distinct) / requests)
            rows.append(row)
        floor = next((r for r in rows if r["page"] == "floor" and "rps" in r), None)
        for row in rows:
            if floor and "rps" in row:
                row["x_floor"] = row["rps"] / floor["rps"]
                row["cpu_x_floor"] = row["cpu_ms"] / floor["cpu_ms"] if floor["cpu_ms"] else None
                if row["page"] in TARGETS:
                    row["target"] = TARGETS[row["page"]]
                    row["meets"] = row["x_floor"] >= TARGETS[row["page"]]
        result = {
            "started": started,
            "machine": machine(),
            "load_before": load_before,
            "load_after": load_after,
            "database": self.database_url.split("@")[-1],
            "cache": self.cache,
            "workers": self.args.workers,
            "connections": self.args.connections,
            "duration_s": self.args.duration,
            "rounds": self.args.rounds,
            "pages": rows,
        }
        print_table(result)
        return result

    def close(self):
        if self.server:
            self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def print_table(result):
    print(
        f"\nThroughput — {result['started']}; {result['machine']}; database {result['database']}; "
        f"{result['cache']} page cache;\n"
        f"gunicorn {result['workers']} sync workers; wrk 1 thread, {result['connections']} "
        f"connections, {result['rounds']} rounds x {result['duration_s']}s per page, alternating; "
        f"load average {result['load_before'][0]:.2f} before, {result['load_after'][0]:.2f} after.\n"
    )
    header = (
        f"{'page':15} {'status':>6} {'bytes':>7} {'SQL':>4} {'req/s':>8} {'x floor':>8} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'CPU ms/req':>10} {'(app+db)':>13} {'x floor':>7} "
        f"{'errors':>6}  target"
    )
    print(header)
    print("-" * len(header))
    for r in result["pages"]:
        if "rps" not in r:
            print(f"{r['page']:15} {r['status']!s:>6}  not measured")
            continue
        target = ""
        if "target" in r:
            target = f">= {r['target']:.1f} x floor: {'met' if r['meets'] else 'MISSED'}"
        split = f"{r['app_cpu_ms']:.2f}+{r['db_cpu_ms']:.2f}"
        cpu_x = f"{r['cpu_x_floor']:.1f}" if r.get("cpu_x_floor") else "-"
        queries = "-" if r["queries"] is None else r["queries"]
        print(
            f"{r['page']:15} {r['status']!s:>6} {r['bytes'] or 0:>7} {queries!s:>4} {r['rps']:>8.1f} "
            f"{r.get('x_floor', 0):>8.2f} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} "
            f"{r['cpu_ms']:>10.2f} {split:>13} {cpu_x:>7} {r['errors']:>6}  {target}"
        )
    for r in result["pages"]:
        if r.get("cold_share") is not None and r["cold_share"] < 0.99:
            print(
                f"\nNote: only {100 * r['cold_share']:.0f}% of the '{r['page']}' requests were for "
                "an alert not requested before (too few live alerts); the rest came from the "
                "cache, so that row is not a cold measurement."
            )
    print(
        "\nSQL: queries of the page's first request (cold cache), counted in-process. "
        "CPU: gunicorn workers' user+system time (+ PostgreSQL backends'), per request."
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_SQLITE)
    parser.add_argument("--duration", type=int, default=10, help="Seconds per wrk run.")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--alert", help="Slug of the alert page (default: newest live).")
    parser.add_argument("--country", help="Slug of the country page (default: busiest).")
    parser.add_argument("--level", type=int, default=3, help="The list filter: ?level=N.")
    parser.add_argument("--search", default="genocide", help="The search query: ?q=...")
    parser.add_argument(
        "--rotate-chunk",
        type=int,
        default=20000,
        help="Distinct alert pages handed to each cold-alert run.",
    )
    parser.add_argument(
        "--only", nargs="*", help="Measure only these pages (floor alert list ...)."
    )
    parser.add_argument(
        "--probe-timeout",
        type=float,
        default=5,
        help="A page slower than this (seconds) on its first request is reported, not load-tested.",
    )
    parser.add_argument(
        "--redis-url",
        help="Serve with the Redis page cache (e.g. redis://127.0.0.1:6379/2), as deployed; "
        "default: the local-memory cache.",
    )
    parser.add_argument("--json", help="Also write the results to this file.")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    if args.only and "floor" not in args.only:
        args.only.append("floor")

    bench = Bench(args)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        result = bench.run()
    finally:
        bench.close()
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
