"""Every error the domain raises, in one place."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the request; the message is safe to show to the user."""


class ValidationFailed(DomainError):
    """Input broke a rule. ``field`` names the input it concerns, when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(DomainError):
    """The object does not exist, or is outside what the actor may see (the two look the same)."""


class TokenInvalid(DomainError):
    """An e-mailed link is unknown, expired or already used."""


class ManyProblems(ValidationFailed):
    """Several inputs broke rules at once; ``problems`` holds each, with its field, to show together."""

    def __init__(self, problems: list[ValidationFailed]) -> None:
        super().__init__("; ".join(str(p) for p in problems), field=None)
        self.problems = problems
