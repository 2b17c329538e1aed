"""Pure domain rules: no Qt, no SQL. Everything here is deterministic and unit-testable."""
