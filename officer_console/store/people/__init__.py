"""Officers and squads: accounts (passwords, lockout, roles, TOTP), administration, and the
directory the pickers read.
"""
