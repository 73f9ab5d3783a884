"""Benchmarks of the public hall; see bench/pages.py."""
