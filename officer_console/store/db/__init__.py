"""The database itself: engine and sessions, the models, the schema's migration runner, the
audit chain and the change stamps live updates read. Imports nothing else of the store.
"""
