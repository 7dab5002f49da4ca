"""Benchmarks: a data generator and measurements of the API. Not tests: see bench/README.md."""
