"""Benchmarks for the quality bars of SPEC §11: throughput against the floor, IDLE
latency, memory while draining a backlog, and report speed. Run with `python -m bench`."""
