"""Test support shared by tests and benches: throwaway PostgreSQL clusters, database copies."""
