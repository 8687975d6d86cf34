"""Typed SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from app.models.audit import AuditEvent
from app.models.base import Base
from app.models.people import Country, FocalPointScope, Organisation, Role, User
from app.models.tokens import AccountToken, TokenPurpose

__all__ = [
    "AccountToken",
    "AuditEvent",
    "Base",
    "Country",
    "FocalPointScope",
    "Organisation",
    "Role",
    "TokenPurpose",
    "User",
]
