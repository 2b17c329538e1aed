"""Start-up and the main window: bootstrap, the console's life from sign-in to quit, menus,
the lock, settings, logging, fonts and translations.
"""
