"""What the citizen gateway keeps in the database: bookings, video rooms, and the rows
several gateway instances share.
"""
