"""Campaign pages (focal points and admins). Being written."""

from app.campaigns import bp  # noqa: F401
