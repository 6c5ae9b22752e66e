"""Benchmarks, run on demand (never by the unit suite). See bench/README.md."""
