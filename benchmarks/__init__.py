"""Benchmarks anyone can run: ``python -m benchmarks.<name>`` (crawl, scale, quality), each printing its figures."""
