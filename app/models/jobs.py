"""Background jobs and their progress, whether they run on RQ or inline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, created_at, intpk


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(60))  # e.g. invitations.send
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued|running|done|failed
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    country_id: Mapped[int | None] = mapped_column(ForeignKey("countries.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_at]
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
