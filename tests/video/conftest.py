"""Video tests run on the console's own loop type (qasync); see tests/support/qtloop.py."""

from tests.support.qtloop import qt_run

__all__ = ["qt_run"]
