"""The domain: plain functions that take a SQLAlchemy session and data, and raise DomainError.

Nothing here imports flask; views and CLI commands call these.
"""
