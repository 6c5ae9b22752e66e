"""Synthetic data for benchmarks: clearly fake countries, sources and alerts.

``plan`` describes each alert deterministically from (seed, index); the two ways
of writing it, ``workflow_path`` (the real editing and review functions) and
``bulk`` (rows written in batches, equal in shape), both read the same plan.
"""
