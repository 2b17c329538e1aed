"""What every screen uses: the services and their two runners, small widgets, confirmations,
the crash dialog and the document viewer. Imports no other part of the GUI.
"""
