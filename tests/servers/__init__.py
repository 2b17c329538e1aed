"""Local servers that speak the real protocols of external services, for tests and benches."""
