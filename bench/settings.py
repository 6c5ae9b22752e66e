"""The production settings, unchanged except where collected static files live.

config.settings fixes STATIC_ROOT to ./staticfiles; the benchmarks collect into a
temporary directory instead (BENCH_STATIC_ROOT) so a run leaves nothing behind.
Everything else (DEBUG, middleware, caches, database options) is config.settings.
"""

import os

from config.settings import *  # noqa: F403

if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]

# The floor page is routed here, never by the site's own URLconf.
ROOT_URLCONF = "bench.urls"
