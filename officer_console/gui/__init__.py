"""Qt widgets of the console, in parts that import downward: shell → case → queue | procedure |
call | admin → common (docs/architecture.md, "The tree"). Views never run SQL: database work
goes through the op runner, network and file work through the I/O runner (common/services.py).
"""
