"""The procedure wizard: :class:`~.panel.ProcedurePanel` and the co-sign inbox."""
