"""The result cache (socialroi.web.cache) on its own: single flight, the bounded wait and its
503, stale-while-revalidate, invalidation by a data change, and workspace isolation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from socialroi.web.cache import Busy, Job, Key, ResultCache, Warmup


@pytest.fixture
def cache() -> Iterator[ResultCache]:
    c = ResultCache(max_stale_s=0.0, wait_s=5.0, slots=1)
    yield c
    c.close()


def _counting(
    value: Any = "v", gate: threading.Event | None = None
) -> tuple[Callable[[], Any], list[int]]:
    calls: list[int] = []

    def compute() -> Any:
        calls.append(1)
        if gate is not None:
            assert gate.wait(10)
        return value

    return compute, calls


def _eventually(cond: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_two_concurrent_requests_cause_one_computation(cache: ResultCache) -> None:
    gate = threading.Event()
    compute, calls = _counting("page", gate)
    key = Key("ws", "page:overview", ("2025-01-01", "2025-03-31", "previous"))
    got: list[Any] = []
    threads = [threading.Thread(target=lambda: got.append(cache.get(key, compute).value))
               for _ in range(2)]  # fmt: skip
    for t in threads:
        t.start()
    _eventually(lambda: cache.stats()["inflight"] == 1 and len(calls) == 1)
    gate.set()
    for t in threads:
        t.join(10)
    assert got == ["page", "page"]
    assert len(calls) == 1  # one computation for both requests
    assert cache.get(key, compute).value == "page" and len(calls) == 1  # then from the cache


def test_a_request_that_waits_too_long_is_busy_with_retry_after() -> None:
    cache = ResultCache(wait_s=0.1, retry_after_s=7)
    gate = threading.Event()
    compute, calls = _counting("slow", gate)
    key = Key("ws", "page:attribution")
    try:
        with pytest.raises(Busy) as busy:
            cache.get(key, compute, heavy=True)
        assert busy.value.retry_after_s == 7
        assert "still being computed" in str(busy.value)
        # the computation goes on; a second impatient request joins it instead of a new one
        with pytest.raises(Busy):
            cache.get(key, compute, heavy=True)
        gate.set()
        _eventually(lambda: cache.stats()["inflight"] == 0)
        assert cache.get(key, compute, heavy=True).value == "slow"
        assert len(calls) == 1
    finally:
        gate.set()
        cache.close()


def test_the_previous_result_is_served_when_the_new_one_is_late() -> None:
    cache = ResultCache(wait_s=0.1)
    key = Key("ws", "page:overview")
    try:
        assert cache.get(key, lambda: "old").value == "old"
        cache.changed(["ws"])  # an import: the result must be recomputed
        gate = threading.Event()
        compute, _ = _counting("new", gate)
        late = cache.get(key, compute)
        assert (late.value, late.stale) == ("old", True)  # better than a 503
        gate.set()
        _eventually(lambda: cache.get(key, compute).value == "new")
    finally:
        cache.close()


def test_an_import_invalidates_before_serving(cache: ResultCache) -> None:
    values = iter(["before", "after"])
    key = Key("ws", "page:overview")
    first = cache.get(key, lambda: next(values))
    cache.changed(["ws"])  # live=False: imports, settings, links
    second = cache.get(key, lambda: next(values))
    assert (first.value, second.value, second.stale) == ("before", "after", False)
    assert second.as_of >= first.as_of


def test_live_events_serve_stale_then_revalidate_in_the_background(cache: ResultCache) -> None:
    values = iter(["t0", "t1"])
    key = Key("ws", "page:overview")
    first = cache.get(key, lambda: next(values))
    cache.changed(["ws"], live=True)  # tracked events arrived
    # max_stale_s=0: the old result is served at once, marked stale, and recomputed meanwhile
    stale = cache.get(key, lambda: next(values))
    assert (stale.value, stale.stale, stale.as_of) == ("t0", True, first.as_of)
    _eventually(lambda: cache.get(key, lambda: "unused").value == "t1")
    fresh = cache.get(key, lambda: "unused")
    assert not fresh.stale and fresh.as_of > first.as_of


def test_live_events_within_the_staleness_allowed_recompute_nothing() -> None:
    cache = ResultCache(max_stale_s=60.0)
    compute, calls = _counting("t0")
    key = Key("ws", "page:overview")
    try:
        cache.get(key, compute)
        cache.changed(["ws"], live=True)
        again = cache.get(key, compute)
        time.sleep(0.2)
        assert (again.value, again.stale, len(calls)) == ("t0", True, 1)
        assert cache.stats()["inflight"] == 0  # no background recomputation started
    finally:
        cache.close()


def test_workspaces_never_share_a_result_or_an_invalidation(cache: ResultCache) -> None:
    params = ("2025-01-01", "2025-03-31", "previous")
    a, b = Key("a", "page:overview", params), Key("b", "page:overview", params)
    assert cache.get(a, lambda: "A's numbers").value == "A's numbers"
    assert cache.get(b, lambda: "B's numbers").value == "B's numbers"  # same page and period
    compute_b, calls_b = _counting("B again")
    cache.changed(["a"])
    assert cache.get(b, compute_b).value == "B's numbers" and not calls_b  # B untouched
    assert cache.get(a, lambda: "A after import").value == "A after import"


def test_a_failed_computation_is_raised_to_every_waiter_and_not_kept(cache: ResultCache) -> None:
    key = Key("ws", "page:funnel")

    def fails() -> Any:
        raise ValueError("boom")

    for _ in range(2):
        with pytest.raises(ValueError, match="boom"):
            cache.get(key, fails)
    assert cache.get(key, lambda: "ok").value == "ok"


def test_the_database_stamp_is_part_of_the_version() -> None:
    stamp = {"ws": (1, "2025-01-01")}
    cache = ResultCache(stamp=lambda ws: stamp[ws])
    key = Key("ws", "page:overview")
    try:
        cache.get(key, lambda: "one")
        stamp["ws"] = (2, "2025-02-01")  # a file imported while the cache did not look
        cache.changed(["ws"])  # (forces the stamp to be read again, as after any write)
        assert cache.get(key, lambda: "two").value == "two"
    finally:
        cache.close()


def test_heavy_results_run_one_at_a_time_and_do_not_block_light_ones() -> None:
    cache = ResultCache(wait_s=5.0, slots=1)
    gate = threading.Event()
    running: list[str] = []

    def heavy(name: str) -> Callable[[], str]:
        def run() -> str:
            running.append(name)
            assert gate.wait(10)
            return name

        return run

    try:
        threads = [threading.Thread(target=cache.get, args=(Key("ws", f"h{i}"), heavy(f"h{i}")),
                                    kwargs={"heavy": True}) for i in range(2)]  # fmt: skip
        for t in threads:
            t.start()
        _eventually(lambda: len(running) == 1)
        time.sleep(0.1)
        assert len(running) == 1  # the second heavy one queues
        assert cache.get(Key("ws", "light"), lambda: "light").value == "light"  # not blocked
        gate.set()
        for t in threads:
            t.join(10)
        assert sorted(running) == ["h0", "h1"]
    finally:
        gate.set()
        cache.close()


def test_the_warm_up_computes_the_jobs_and_stops_quickly() -> None:
    cache = ResultCache(max_stale_s=60.0)
    computed: list[str] = []
    gate = threading.Event()

    def job(ws: str) -> list[Job]:
        def one(name: str) -> Callable[[], str]:
            def run() -> str:
                computed.append(f"{ws}/{name}")
                if name == "slow":
                    gate.wait(10)
                return name

            return run

        return [Job(Key(ws, "page:overview"), one("overview")),
                Job(Key(ws, "page:attribution"), one("slow"), heavy=True)]  # fmt: skip

    warm = Warmup(cache, lambda: ["a", "b"], job)
    try:
        warm.start()
        _eventually(lambda: "a/slow" in computed)
        assert warm.status.state == "warming"
        t0 = time.monotonic()
        warm.stop()  # while a computation runs: the warm-up does not wait for it
        cache.close()
        assert time.monotonic() - t0 < 2.0
        assert computed == ["a/overview", "a/slow"] and warm.status.state == "stopped"
    finally:
        gate.set()


def test_the_warm_up_runs_again_for_a_changed_workspace() -> None:
    cache = ResultCache(max_stale_s=60.0)
    computed: list[str] = []

    def jobs(ws: str) -> list[Job]:
        def run() -> str:
            computed.append(ws)
            return ws

        return [Job(Key(ws, "page:overview"), run)]

    warm = Warmup(cache, lambda: ["a", "b"], jobs)
    try:
        warm.start()
        _eventually(lambda: warm.status.rounds == 1)
        assert computed == ["a", "b"]
        cache.changed(["b"])
        _eventually(lambda: warm.status.rounds == 2)
        assert computed == ["a", "b", "b"]  # only the changed workspace
        assert cache.get(Key("b", "page:overview"), lambda: "unused").value == "b"  # warm
    finally:
        warm.stop()
        cache.close()
