"""Qt widgets of the console. Views never run SQL: they go through ``services.OpRunner``."""
