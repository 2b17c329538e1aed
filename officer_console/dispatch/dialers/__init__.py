"""Dialers behind one interface (:class:`~officer_console.dispatch.dialers.base.Dialer`)."""
