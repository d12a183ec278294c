"""One request per interval, checked with a fake clock (no sleeping)."""

from __future__ import annotations

from synth.fetch.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_requests_are_spaced_by_the_interval():
    clock = FakeClock()
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep)
    limiter.wait()  # the first request goes at once
    clock.now += 1.0
    limiter.wait()  # 1 s later: waits the 2 s left
    clock.now += 5.0
    limiter.wait()  # 5 s later: no wait
    assert clock.slept == [2.0]
