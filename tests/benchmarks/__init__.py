"""Performance benchmarks at national scale (not tests: run `python -m tests.benchmarks.national`)."""
