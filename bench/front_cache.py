"""The alert page through the front cache, beside a static file of the same size
through the same cache, and beside Django alone, in one run.

    .venv/bin/python bench/front_cache.py                    # SQLite, db.sqlite3 (make run's demo)
    .venv/bin/python bench/front_cache.py --database-url postgres://postgres@127.0.0.1:5432/alerts_bench

Starts gunicorn (2 sync workers, DEBUG off, as bench/throughput.py does) and Varnish
with the shipped deploy/varnish/alerts.vcl in front of it, both on free loopback
ports. Writes a static file exactly as large as the alert page into the collected
static files. Then, in alternating rounds, wrk (1 thread, --connections, a few
seconds) requests: the static file through Varnish, the alert page through Varnish,
and the alert page from gunicorn directly (Django's page cache answering). The issue
18 target: through the proxy, the alert page at 0.8x or more of the static file's rate.

Needs Debian's wrk and varnish. Everything is bound to loopback, bounded in time, and
stopped (the temporary directory removed) however the run ends.
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    DEFAULT_SQLITE,
    ROOT,
    Gunicorn,
    collectstatic,
    fetch,
    free_port,
    loadavg,
    machine,
    server_env,
    setup_django,
)
from bench.throughput import parse_wrk  # noqa: E402

TARGET = 0.8


class Varnishd:
    def __init__(self, workdir, backend_port):
        self.port = free_port()
        (workdir / "backends.vcl").write_text(
            f'backend default {{ .host = "127.0.0.1"; .port = "{backend_port}"; }}\n'
            'acl purgers { "127.0.0.1"; }\n'
        )
        self.log = (workdir / "varnishd.log").open("w")
        self.proc = subprocess.Popen(
            ["varnishd", "-F", "-n", str(workdir / "state"), "-a", f"127.0.0.1:{self.port}"]
            + ["-f", str(ROOT / "deploy" / "varnish" / "alerts.vcl")]
            + ["-p", f"vcl_path={workdir}:{ROOT / 'deploy' / 'varnish'}"]
            + ["-T", "none", "-j", "none", "-s", "malloc,256m"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(120):
            try:
                fetch(self.base + "/robots.txt", timeout=2)
                return
            except Exception:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"varnishd exited; see {workdir / 'varnishd.log'}") from None
                time.sleep(0.5)
        raise RuntimeError("varnishd did not answer within 60 s")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def wrk(url, *, duration, connections):
    done = subprocess.run(
        ["wrk", "--threads", "1", "--connections", str(connections)]
        + ["--duration", f"{duration}s", "--timeout", "10s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=duration + 30,
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    requests, rps, p50, p99, errors = parse_wrk(done.stdout)
    if errors:
        raise RuntimeError(f"wrk saw errors against {url}:\n{done.stdout}")
    return rps, p50, p99


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_SQLITE)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args(argv)
    for tool in ("wrk", "varnishd"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (apt-get install {tool.rstrip('d')})")

    tmp = Path(tempfile.mkdtemp(prefix="bench-front-"))
    server = varnish = None
    try:
        static_root = tmp / "static"
        env = server_env(args.database_url, static_root=static_root)
        setup_django(env)
        from alerts.models import Publication

        slug = Publication.objects.current().values_list("slug", flat=True).first()
        if slug is None:
            sys.exit("No live alert in that database: run `make run` once, or seed one.")
        collectstatic(env)
        server = Gunicorn(env, workers=2, log_path=tmp / "gunicorn.log").start("/robots.txt")
        alert_path = f"/alerts/{slug}/"
        status, page = fetch(server.base + alert_path)
        assert status == 200, status
        size = len(page)
        (static_root / "same-size.html").write_bytes(b"x" * size)
        # whitenoise indexes the static files when a worker starts: restart to see it.
        server.stop()
        server = Gunicorn(env, workers=2, log_path=tmp / "gunicorn.log").start("/robots.txt")
        assert len(fetch(server.base + "/static/same-size.html")[1]) == size
        varnish = Varnishd(tmp, int(server.base.rsplit(":", 1)[1]))

        runs = {
            "static file through Varnish": varnish.base + "/static/same-size.html",
            "alert page through Varnish": varnish.base + alert_path,
            "alert page, Django alone": server.base + alert_path,
        }
        for url in runs.values():
            fetch(url)  # kept by Varnish (and the page cache) before timing starts
        results = {name: [] for name in runs}
        print(
            f"{machine()}; load {loadavg()[0]:.2f}; page {alert_path} ({size:,} bytes); "
            f"{args.rounds} rounds x {args.duration} s; wrk 1 thread, "
            f"{args.connections} connections; gunicorn 2 sync workers",
            flush=True,
        )
        for round_ in range(args.rounds):
            for name, url in runs.items():
                results[name].append(wrk(url, duration=args.duration, connections=args.connections))
            print(f"  round {round_ + 1} done", flush=True)

        static_rps = statistics.median(r[0] for r in results["static file through Varnish"])
        print("\n| What | req/s (median) | p50 ms | p99 ms | vs static through Varnish |")
        print("| --- | --- | --- | --- | --- |")
        for name, samples in results.items():
            rps = statistics.median(s[0] for s in samples)
            p50 = statistics.median(s[1] for s in samples)
            p99 = statistics.median(s[2] for s in samples)
            print(f"| {name} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {rps / static_rps:.2f}x |")
        ratio = statistics.median(r[0] for r in results["alert page through Varnish"]) / static_rps
        verdict = "met" if ratio >= TARGET else "MISSED"
        print(
            f"\nTarget: alert page through Varnish >= {TARGET}x the static file: {verdict} ({ratio:.2f}x)"
        )
    finally:
        if varnish:
            varnish.stop()
        if server:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
