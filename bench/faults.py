"""PostgreSQL restarted in the middle of a load run: fail fast, recover alone, lose nothing.

    .venv/bin/python bench/faults.py --cluster 15/faults \\
        --database-url postgres://postgres@127.0.0.1:5433/alerts_faults

Starts gunicorn (2 sync workers, DEBUG off, CONN_MAX_AGE=60 with health checks, as
in production) against the database, then runs for a bounded time:

- readers: threads requesting public pages (different alert pages, the list, the
  floor) in a loop, recording each request's start, latency and outcome;
- a writer: a staff user adding Sources through the admin (a versioned model, so
  each add is a django-reversion revision too); a 302 answer is an acknowledged
  write;
- after --before seconds the cluster is stopped (pg_ctlcluster ... stop -m fast),
  left down --outage seconds, started again, and the load continues --after seconds.

Then it checks: the failures during the outage were fast (max latency of failed
requests), no gunicorn worker timed out, every page works again without anyone
restarting the app, and every acknowledged write is in the database (with its
reversion Version). PostgreSQL is started again however the run ends.

Restarting a cluster breaks every other connection to it: on a shared machine use
a cluster of its own (bench/README.md shows how to make one).
"""

import argparse
import http.client
import json
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    PYTHON,
    ROOT,
    Gunicorn,
    collectstatic,
    loadavg,
    machine,
    server_env,
    setup_django,
)

FAIL_FAST_S = 6.0  # connect_timeout is 5 s (config/settings.py); a failure must not take longer
ADMIN = "bench-faults-admin"


# --- PostgreSQL cluster control ----------------------------------------------------------


class Cluster:
    def __init__(self, spec):
        self.version, self.name = spec.split("/", 1)

    def _ctl(self, action, *extra):
        return subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action, *extra],
            capture_output=True,
            text=True,
            timeout=120,
        )

    def status(self):
        return self._ctl("status").returncode == 0  # 0 = running, 3 = stopped

    def stop(self):
        result = self._ctl("stop", "-m", "fast")
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctlcluster stop failed: {result.stderr.strip()}")

    def start(self):
        if self.status():
            return
        result = self._ctl("start")
        if result.returncode != 0 and not self.status():
            raise RuntimeError(f"pg_ctlcluster start failed: {result.stderr.strip()}")

    def port(self):
        out = subprocess.run(
            ["pg_lsclusters", "--no-header"], capture_output=True, text=True
        ).stdout
        for line in out.splitlines():
            v, name, port, *_ = line.split()
            if (v, name) == (self.version, self.name):
                return int(port)
        raise RuntimeError(f"no cluster {self.version}/{self.name} (pg_lsclusters)")


# --- A tiny HTTP client that keeps its own cookies ----------------------------------------
# The production settings mark cookies Secure; on loopback without TLS an ordinary
# cookie jar would not send them back, so this one keeps them regardless.


class Session:
    def __init__(self, host, port, timeout=30):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies = {}
        self.conn = None

    def request(self, method, path, fields=None):
        body = urllib.parse.urlencode(fields) if fields is not None else None
        headers = {"Host": f"{self.host}:{self.port}"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection the server closed: retry once on a new one.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, response.getheader("Location", ""), data

    def close(self):
        if self.conn:
            self.conn.close()


# --- Load --------------------------------------------------------------------------------


@dataclass
class Sample:
    start: float
    seconds: float
    ok: bool
    what: str  # "status 500", "ConnectionRefusedError", ...
    kind: str  # "read", "floor" or "write"


class Load:
    def __init__(self, server, paths, readers, run_id):
        self.server = server
        self.paths = paths
        self.readers = readers
        self.run_id = run_id
        self.samples = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.acknowledged = []  # titles of sources the admin confirmed saving
        self.attempted = []
        self.threads = []

    def record(self, sample):
        with self.lock:
            self.samples.append(sample)

    def reader(self, index):
        rng = random.Random(index)
        session = Session("127.0.0.1", self.server.port)
        while not self.stop.is_set():
            path = rng.choice(self.paths)
            kind = "floor" if path == "/bench/floor/" else "read"
            start = time.monotonic()
            try:
                status, _, _ = session.request("GET", path)
                ok, what = status == 200, f"status {status}"
            except (OSError, http.client.HTTPException) as error:
                ok, what = False, type(error).__name__
                session.close()
                session = Session("127.0.0.1", self.server.port)
            self.record(Sample(start, time.monotonic() - start, ok, what, kind))
        session.close()

    def writer(self, session):
        n = 0
        while not self.stop.is_set():
            n += 1
            title = f"Faults benchmark source {self.run_id} {n:05d}"
            fields = {
                "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
                "title": title,
                "publisher": "Faults benchmark",
                "url": f"https://example.org/faults/{self.run_id}/{n}",
                "published_on": "",
                "accessed_on": "",
                "archive_url": "",
                "_save": "Save",
            }
            self.attempted.append(title)
            start = time.monotonic()
            try:
                status, location, _ = session.request("POST", "/admin/sources/source/add/", fields)
                ok = status == 302 and "/admin/sources/source/" in location
                what = f"status {status}"
            except (OSError, http.client.HTTPException) as error:
                ok, what = False, type(error).__name__
                session.close()
            if ok:
                with self.lock:
                    self.acknowledged.append(title)
            self.record(Sample(start, time.monotonic() - start, ok, what, "write"))
            time.sleep(0.05)

    def start(self, admin_session):
        self.threads = [
            threading.Thread(target=self.reader, args=(i,), daemon=True)
            for i in range(self.readers)
        ]
        self.threads.append(
            threading.Thread(target=self.writer, args=(admin_session,), daemon=True)
        )
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=40)


def login(server, password):
    session = Session("127.0.0.1", server.port)
    status, _, body = session.request("GET", "/admin/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    status, location, _ = session.request(
        "POST",
        "/admin/login/?next=/admin/",
        {"csrfmiddlewaretoken": token, "username": ADMIN, "password": password, "next": "/admin/"},
    )
    if status != 302:
        raise RuntimeError(f"admin login failed ({status})")
    return session


# --- Report ------------------------------------------------------------------------------


def phase_stats(samples):
    ok = [s.seconds * 1000 for s in samples if s.ok]
    failed = [s.seconds * 1000 for s in samples if not s.ok]
    kinds = {}
    for s in samples:
        if not s.ok:
            kinds[s.what] = kinds.get(s.what, 0) + 1

    def pct(values, q):
        if not values:
            return None
        values = sorted(values)
        return values[min(len(values) - 1, round(q * (len(values) - 1)))]

    return {
        "requests": len(samples),
        "ok": len(ok),
        "failed": len(failed),
        "ok_p50_ms": pct(ok, 0.5),
        "ok_p99_ms": pct(ok, 0.99),
        "ok_max_ms": max(ok, default=None),
        "failed_p50_ms": pct(failed, 0.5),
        "failed_max_ms": max(failed, default=None),
        "failures": kinds,
    }


def fmt(value):
    return "-" if value is None else f"{value:.0f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cluster", default="15/main", help="VERSION/NAME for pg_ctlcluster.")
    parser.add_argument(
        "--database-url", help="Default: postgres://postgres@127.0.0.1:<cluster port>/alerts_faults"
    )
    parser.add_argument("--before", type=float, default=10, help="Seconds of load before the stop.")
    parser.add_argument("--outage", type=float, default=8, help="Seconds the database stays down.")
    parser.add_argument("--after", type=float, default=15, help="Seconds of load after the start.")
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--json", help="Also write the results to this file.")
    args = parser.parse_args(argv)

    cluster = Cluster(args.cluster)
    cluster.start()  # the run needs it up to begin with
    database_url = args.database_url or (
        f"postgres://postgres@127.0.0.1:{cluster.port()}/alerts_faults"
    )
    tmp = Path(tempfile.mkdtemp(prefix="alerts-faults-"))
    env = server_env(database_url, static_root=tmp / "static", CONN_MAX_AGE=60)
    server = None
    load = None
    result = {}
    interrupted = False

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        prepare_database(database_url, env)
        collectstatic(env)
        password = secrets.token_urlsafe(24)
        paths = setup_admin_and_paths(env, password)
        server = Gunicorn(env, workers=2, log_path=tmp / "gunicorn.log", timeout=30).start()
        admin = login(server, password)
        run_id = time.strftime("%Y%m%d%H%M%S")
        load = Load(server, paths, args.readers, run_id)
        print(
            f"Faults — {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; {machine()}; load average "
            f"{loadavg()[0]:.2f}; cluster {args.cluster}; gunicorn {server.base} (2 sync workers, "
            f"CONN_MAX_AGE=60, health checks on); {args.readers} readers + 1 admin writer.",
            file=sys.stderr,
        )
        t0 = time.monotonic()
        load.start(admin)
        time.sleep(args.before)
        stop_at = time.monotonic()
        print(f"  {stop_at - t0:5.1f}s stopping PostgreSQL (fast shutdown) ...", file=sys.stderr)
        cluster.stop()
        stopped_at = time.monotonic()
        time.sleep(args.outage)
        print(f"  {time.monotonic() - t0:5.1f}s starting PostgreSQL ...", file=sys.stderr)
        cluster.start()
        started_at = time.monotonic()
        print(f"  {started_at - t0:5.1f}s PostgreSQL is up; load continues", file=sys.stderr)
        time.sleep(args.after)
        load.finish()
        end = time.monotonic()
        result = analyse(
            load, server, t0, stop_at, stopped_at, started_at, end, tmp, database_url, env
        )
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if load is not None:
            load.finish()
        # Whatever happened, leave PostgreSQL running.
        try:
            cluster.start()
        except Exception as error:  # noqa: BLE001 (report, then still clean up)
            print(f"COULD NOT RESTART PostgreSQL {args.cluster}: {error}", file=sys.stderr)
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    if interrupted:
        sys.exit("interrupted; PostgreSQL was started again and the server stopped")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str))
    sys.exit(0 if result.get("passed") else 1)


def prepare_database(database_url, env):
    """Create and migrate the database, with a few published synthetic alerts to read."""
    import psycopg
    from dj_database_url import parse

    cfg = parse(database_url)
    with psycopg.connect(
        host=cfg["HOST"],
        port=cfg["PORT"],
        user=cfg["USER"] or "postgres",
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run(
        [PYTHON, "bench/seed.py", "--alerts", "60", "--no-progress"],  # env's DATABASE_URL
        cwd=ROOT,
        env=env,
        check=True,
    )


def setup_admin_and_paths(env, password):
    setup_django(env)
    from django.contrib.auth import get_user_model
    from django.db import connection

    from alerts.models import Publication

    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username=ADMIN, defaults={"is_staff": True, "is_superuser": True, "email": ""}
    )
    user.is_staff = user.is_superuser = user.is_active = True
    user.set_password(password)
    user.save()
    slugs = list(Publication.objects.current().values_list("slug", flat=True)[:50])
    connection.close()
    return ["/bench/floor/", "/alerts/", "/"] + [f"/alerts/{s}/" for s in slugs]


def analyse(load, server, t0, stop_at, stopped_at, started_at, end, tmp, database_url, env):
    samples = sorted(load.samples, key=lambda s: s.start)
    # "before": answered before the stop; "after": sent once PostgreSQL was up again;
    # "outage": everything in between (including requests in flight at the stop).
    before = [s for s in samples if s.start + s.seconds < stop_at]
    after = [s for s in samples if s.start >= started_at]
    during = [s for s in samples if s.start + s.seconds >= stop_at and s.start < started_at]
    # Recovery: from "PostgreSQL is up" to the first moment after which every request of a
    # kind that needs the database succeeded.
    db_kinds = ("read", "write")
    last_failure = max(
        (s.start + s.seconds for s in after if not s.ok and s.kind in db_kinds), default=started_at
    )
    recovered_after = max(0.0, last_failure - started_at)
    tail = [s for s in samples if s.start > last_failure]
    log = (
        (tmp / "gunicorn.log").read_text(errors="replace")
        if (tmp / "gunicorn.log").exists()
        else ""
    )
    timeouts = log.count("WORKER TIMEOUT")

    # Every acknowledged write must be in the database, with its reversion Version.
    setup_django(env)
    from django.db import connection
    from reversion.models import Version

    from sources.models import Source

    connection.close()
    acknowledged = set(load.acknowledged)
    stored = set(
        Source.objects.filter(
            title__startswith=f"Faults benchmark source {load.run_id} "
        ).values_list("title", flat=True)
    )
    stored_ids = Source.objects.filter(title__in=acknowledged).values_list("pk", flat=True)
    versioned = (
        Version.objects.get_for_model(Source)
        .filter(object_id__in=[str(pk) for pk in stored_ids])
        .values("object_id")
        .distinct()
        .count()
    )
    lost = sorted(acknowledged - stored)
    unacknowledged_but_stored = sorted(stored - acknowledged)

    phases = {
        "before": phase_stats(before),
        "outage": phase_stats(during),
        "after": phase_stats(after),
    }
    floor_during = phase_stats([s for s in during if s.kind == "floor"])
    failed_max = max((s.seconds for s in samples if not s.ok), default=0.0)
    checks = {
        f"failures were fast (max latency of a failed request <= {FAIL_FAST_S:.0f} s)": (
            failed_max <= FAIL_FAST_S
        ),
        "no gunicorn worker timed out": timeouts == 0,
        "the site recovered by itself (every request succeeded at the end)": bool(tail)
        and all(s.ok for s in tail),
        "the database-free floor page kept answering during the outage": floor_during["ok"] > 0,
        "no acknowledged write was lost": not lost,
        "every acknowledged write has its reversion Version": versioned == len(acknowledged),
    }
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": machine(),
        "database": database_url.split("@")[-1],
        "timeline_s": {
            "stop_issued": stop_at - t0,
            "stopped": stopped_at - t0,
            "started": started_at - t0,
            "end": end - t0,
            "outage": started_at - stop_at,
        },
        "recovered_after_start_s": recovered_after,
        "phases": phases,
        "floor_during_outage": floor_during,
        "max_failed_latency_ms": failed_max * 1000,
        "worker_timeouts": timeouts,
        "writes": {
            "attempted": len(load.attempted),
            "acknowledged": len(acknowledged),
            "found": len(acknowledged & stored),
            "lost": lost,
            "stored_without_acknowledgement": unacknowledged_but_stored,
            "with_version": versioned,
        },
        "checks": checks,
        "passed": all(checks.values()),
    }
    print_report(result)
    return result


def print_report(r):
    t = r["timeline_s"]
    print(
        f"\nFaults — {r['date']}; {r['machine']}; database {r['database']}.\n"
        f"PostgreSQL stop issued at {t['stop_issued']:.1f}s, down at {t['stopped']:.1f}s, "
        f"up again at {t['started']:.1f}s (outage {t['outage']:.1f}s), run ended at {t['end']:.1f}s.\n"
    )
    print(
        f"{'phase':8} {'requests':>8} {'ok':>6} {'failed':>6} {'ok p50':>7} {'ok p99':>7} "
        f"{'ok max':>7} {'fail p50':>8} {'fail max':>8}  (ms)  failures"
    )
    for name, s in r["phases"].items():
        print(
            f"{name:8} {s['requests']:>8} {s['ok']:>6} {s['failed']:>6} {fmt(s['ok_p50_ms']):>7} "
            f"{fmt(s['ok_p99_ms']):>7} {fmt(s['ok_max_ms']):>7} {fmt(s['failed_p50_ms']):>8} "
            f"{fmt(s['failed_max_ms']):>8}        {s['failures'] or ''}"
        )
    f = r["floor_during_outage"]
    w = r["writes"]
    print(
        f"\nFloor page during the outage: {f['ok']}/{f['requests']} answered, max "
        f"{fmt(f['ok_max_ms'])} ms.\nRecovered {r['recovered_after_start_s']:.1f}s after PostgreSQL "
        f"was up. Max latency of any failed request: {r['max_failed_latency_ms']:.0f} ms. "
        f"Worker timeouts: {r['worker_timeouts']}.\nWrites: {w['attempted']} attempted, "
        f"{w['acknowledged']} acknowledged, {w['found']} of those found after recovery "
        f"({len(w['lost'])} lost), {w['with_version']} with their reversion Version; "
        f"{len(w['stored_without_acknowledgement'])} stored without an acknowledgement "
        "(committed, but the answer was lost in the outage).\n"
    )
    for check, passed in r["checks"].items():
        print(f"  [{'PASS' if passed else 'FAIL'}] {check}")
    print(f"\n{'PASSED' if r['passed'] else 'FAILED'}")


if __name__ == "__main__":
    main()
