"""Contacting the citizen: verification codes, SMS providers, dialers, the dispatch service."""
