"""The video call on screen: the pane, the waiting room, the recordings player and the
evidence upload status.
"""
