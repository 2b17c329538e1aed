"""The case panel: the case file, the live case's actions and call box, dispatch,
the outcomes and the procedure wizard's slot.
"""
