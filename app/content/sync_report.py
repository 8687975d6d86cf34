"""What a sync or an import changed, in lines a person reads."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.retired)

    def lines(self) -> list[str]:
        return ([f"added    {line}" for line in self.added] + [f"changed  {line}" for line in self.changed]
                + [f"retired  {line}" for line in self.retired])


def plural(count: int, word: str) -> str:
    if count == 1:
        return f"1 {word}"
    words = word[:-1] + "ies" if word.endswith("y") else word + "s"
    return f"{count} {words}"


def describe(changes: Counter) -> str:
    return ", ".join(plural(count, what) if count else what for what, count in changes.items())
