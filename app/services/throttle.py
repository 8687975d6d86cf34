"""Sign-in limits: per address, per account from one address, and per account over all addresses.

Failed attempts are counted three ways, in moving windows shared by every worker through Redis (the
``limits`` library, the one Flask-Limiter stands on):

- **address**: failures from one address, whatever the account. Set high, so that one person guessing
  behind a ministry's shared address does not lock out everyone else there.
- **pair**: failures on one account from one address. Once over it, that address may not try that
  account until the window has passed, even with the right password.
- **account**: failures on one account from every address together. Once over it, the account is
  locked for every address that has failed on it in the window; an address that has not (the official's
  own office, say) may still sign in with the right password, and a wrong one locks it too.

Accounts are keyed by a hash of the address typed, whether or not an account uses it, so the limits
behave the same for known and unknown addresses and no e-mail address is written to Redis.

When Redis cannot be reached the counting goes on in this process's memory, with a warning in the log,
and goes back to Redis once it answers again (tried at most every ``RETRY_SECONDS``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from typing import Literal

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger("capstack.throttle")
RETRY_SECONDS = 30


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in attempt is refused before its password is checked, and for how long."""

    scope: Literal["address", "account"]
    retry_after: int  # seconds


def account_key(email: str) -> str:
    """The key of the account an address names (typed as it was; case and spaces do not count)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


class SignInThrottle:
    """The three sign-in limits over one storage (``memory://`` or a Redis URL)."""

    def __init__(self, storage_uri: str, *, address: str, pair: str, account: str,
                 options: dict | None = None) -> None:
        self.uri = storage_uri
        self.limits = {"address": parse(address), "pair": parse(pair), "account": parse(account)}
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._shared = (None if storage_uri.startswith("memory://")
                        else MovingWindowRateLimiter(storage_from_string(storage_uri, **(options or {}))))
        self._down_since: float | None = None

    @property
    def shared_storage_down(self) -> bool:
        return self._down_since is not None

    def refusal(self, address: str, email: str) -> Refusal | None:
        """A reason to refuse this attempt before checking its password, or None to check it."""
        account = account_key(email)
        if not self._call("test", "address", address):
            return Refusal("address", self._retry_after("address", address))
        if not self._call("test", "pair", account, address):
            return Refusal("account", self._retry_after("pair", account, address))
        if not self._call("test", "account", account) and self._has_failed("pair", account, address):
            return Refusal("account", self._retry_after("account", account))
        return None

    def failed(self, address: str, email: str) -> None:
        """Count a failed attempt (a wrong password, or an address no active account uses)."""
        account = account_key(email)
        self._call("hit", "address", address)
        self._call("hit", "pair", account, address)
        self._call("hit", "account", account)

    def reset(self) -> None:
        """Forget every count (tests; an operator after an incident)."""
        for limiter in (self._memory, self._shared):
            if limiter is not None:
                limiter.storage.reset()

    # -- storage, with the fall-back to memory -----------------------------------------------------

    def _limiter(self) -> MovingWindowRateLimiter:
        if self._shared is None:
            return self._memory
        if self._down_since is not None and time.monotonic() - self._down_since >= RETRY_SECONDS:
            self._down_since = None  # time to try Redis again
        return self._memory if self._down_since is not None else self._shared

    def _call(self, method: str, name: str, *identifiers: str):
        item: RateLimitItem = self.limits[name]
        limiter = self._limiter()
        try:
            return getattr(limiter, method)(item, "sign-in", name, *identifiers)
        except Exception:  # noqa: BLE001 - any storage failure (refused, timed out, reset): fall back
            if limiter is self._memory:
                raise
            log.warning("sign-in limits: %s unreachable, counting in this process's memory for now",
                        self.uri.split("@")[-1])
            self._down_since = time.monotonic()
            return getattr(self._memory, method)(item, "sign-in", name, *identifiers)

    def _has_failed(self, name: str, *identifiers: str) -> bool:
        stats = self._call("get_window_stats", name, *identifiers)
        return stats.remaining < self.limits[name].amount

    def _retry_after(self, name: str, *identifiers: str) -> int:
        stats = self._call("get_window_stats", name, *identifiers)
        return max(1, math.ceil(stats.reset_time - time.time()))
