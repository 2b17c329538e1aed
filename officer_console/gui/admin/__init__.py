"""Admin dialogs: accounts and weekly slot schedules."""
