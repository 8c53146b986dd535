"""Benchmarks of loyalty_lib against its peers; run with ``make bench`` (never in tests)."""
