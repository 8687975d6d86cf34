"""Taking an assessment (officials). Being written."""

from app.assess import bp  # noqa: F401
