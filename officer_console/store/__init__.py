"""Shared case database, in parts that import downward: procedure | gateway | migrations →
evidence → appointments | people → db (docs/architecture.md, "The tree")."""
