"""Evidence rows and documents: the one write path, hashed files, who may play them, decision
numbers and documents, the citizen's downloads.
"""
