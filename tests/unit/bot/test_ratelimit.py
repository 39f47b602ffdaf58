"""The token bucket, on a fake clock."""

from __future__ import annotations

import pytest

from bot.ratelimit import RateLimiter


def test_burst_then_steady_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=3, clock=lambda: now[0])
    assert [limiter.hit("a") for _ in range(3)] == [None, None, None]
    assert limiter.hit("a") == pytest.approx(1.0)
    assert limiter.hit("b") is None  # keys are independent
    now[0] += 1.0
    assert limiter.hit("a") is None
    assert limiter.hit("a") == pytest.approx(1.0)
    now[0] += 100
    assert [limiter.hit("a") for _ in range(4)][-1] is not None  # refills only up to the burst
