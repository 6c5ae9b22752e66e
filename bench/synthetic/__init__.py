"""Synthetic data for benchmarks: clearly fake countries, sources and alerts.

``plan`` describes each alert deterministically from (seed, index); the two ways
of writing it, ``workflow_path`` (the real editing and review functions) and
``bulk`` (rows written in batches, equal in shape), both read the same plan.
Run by bench/seed.py; part of the benchmarks, never imported by the application.
"""

# Up to this many alerts "auto" takes the real workflow path (a few alerts a second).
WORKFLOW_THRESHOLD = 200
