"""``officer-admin``: IT's command line for the shared case database."""
