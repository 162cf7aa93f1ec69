"""Benchmarks of the indexer (outside pytest): see loadtest/README.md."""
