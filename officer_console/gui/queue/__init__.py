"""The squad's live appointment queue: the model, its cells, the filters, the pane and
its table, live updates from other workstations, and reassignment.
"""
