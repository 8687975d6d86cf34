"""The sign-in limits' storage: shared by workers through Redis, and counted in memory while Redis is down."""

from __future__ import annotations

import logging
import uuid

import pytest

from app.services import throttle
from app.services.throttle import SignInThrottle
from tests.web.servers import free_port

pytestmark = pytest.mark.no_db
REDIS = "redis://127.0.0.1:6379/0"  # the machine's Redis, as in CI
LIMITS = {"address": "100 per minute", "pair": "3 per minute", "account": "10 per minute",
          "options": {"socket_connect_timeout": 1, "socket_timeout": 1}}



def test_two_workers_share_the_counts_through_redis():
    email, address = f"{uuid.uuid4()}@example.org", "192.0.2.1"  # fresh keys: no reset of a shared Redis
    first, second = SignInThrottle(REDIS, **LIMITS), SignInThrottle(REDIS, **LIMITS)
    for _ in range(3):
        assert first.refusal(address, email) is None
        first.failed(address, email)
    refused = second.refusal(address, email)
    assert refused is not None and refused.scope == "account" and 0 < refused.retry_after <= 60
    assert not first.shared_storage_down and not second.shared_storage_down


def test_with_redis_down_the_counting_goes_on_in_memory_with_a_warning(caplog):
    limits = SignInThrottle(f"redis://127.0.0.1:{free_port()}/0", **LIMITS)
    with caplog.at_level(logging.WARNING, logger="capstack.throttle"):
        for _ in range(3):
            assert limits.refusal("192.0.2.2", "ana@example.org") is None
            limits.failed("192.0.2.2", "ana@example.org")
    assert limits.shared_storage_down
    assert limits.refusal("192.0.2.2", "ana@example.org").scope == "account"  # still limited
    assert limits.refusal("192.0.2.3", "ana@example.org") is None
    assert "unreachable, counting in this process's memory" in caplog.text


def test_redis_is_tried_again_once_the_retry_time_has_passed(monkeypatch):
    limits = SignInThrottle(f"redis://127.0.0.1:{free_port()}/0", **LIMITS)
    limits.failed("192.0.2.4", "ana@example.org")
    assert limits.shared_storage_down
    clock = throttle.time.monotonic() + throttle.RETRY_SECONDS + 1
    monkeypatch.setattr(throttle.time, "monotonic", lambda: clock)
    limits._shared = SignInThrottle(REDIS, **LIMITS)._shared  # Redis is back
    assert limits.refusal("192.0.2.4", f"{uuid.uuid4()}@example.org") is None
    assert not limits.shared_storage_down
