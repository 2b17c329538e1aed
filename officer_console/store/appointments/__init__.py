"""Appointments: the lifecycle (every status change), the queue and its pages, the live
change feed, the case file, the catalogue and an appointment's violations.
"""
