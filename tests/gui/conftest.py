"""GUI tests: Python's cyclic GC only on the GUI thread (see tests/support/gui_gc.py)."""

from tests.support.gui_gc import gc_on_gui_thread

__all__ = ["gc_on_gui_thread"]
