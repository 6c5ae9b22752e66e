"""Render publications ahead of a benchmark, as the benchmarks' server would.

    .venv/bin/python bench/render.py --database-url postgres://postgres@127.0.0.1:5432/alerts_bench \
        --current-only --part 1/4

Runs ``manage.py render_publications`` (any further arguments are passed on) under
the settings bench/throughput.py and bench/scale.py serve with: DEBUG off and the
static files collected. A stored page is tagged with the static files' manifest
(alerts/pages.py); rendered under development settings, where file names are not
hashed, every page would be made again on its first request.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, ROOT, collectstatic, server_env  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    args, rest = parser.parse_known_args()
    tmp = Path(tempfile.mkdtemp(prefix="alerts-render-"))
    try:
        env = server_env(args.database_url, static_root=tmp / "static")
        collectstatic(env)
        command = [PYTHON, "manage.py", "render_publications", *rest]
        return subprocess.run(command, cwd=ROOT, env=env).returncode
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
