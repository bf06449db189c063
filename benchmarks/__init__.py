"""Benchmark scripts; each prints its figures. Commands and results: docs/benchmarks.md."""
