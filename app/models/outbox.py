"""E-mail waiting to be sent: written in the transaction that needs it, sent once that has committed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, created_at, intpk

LAST_ERROR_LENGTH = 500


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[intpk]
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # Always set when the recipient has an account: privacy export and erasure find the rows by it.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[created_at]
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(LAST_ERROR_LENGTH))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
