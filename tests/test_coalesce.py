"""The coalescer: posterior work of requests running together shares one run."""

from __future__ import annotations

import threading
import time

import pytest

from bridge.engine.coalesce import Coalescer


def doubled(calls: list[list[int]]):  # type: ignore[no-untyped-def]
    def fn(items: list[int]) -> list[int]:
        calls.append(list(items))
        if -1 in items:
            raise ValueError("a bad window")
        return [2 * i for i in items]

    return fn


def run_members(c: Coalescer, work: list[list[int]], fn) -> list[object]:  # type: ignore[no-untyped-def]
    out: list[object] = [None] * len(work)
    ready = threading.Barrier(len(work))

    def member(k: int) -> None:
        with c.member():
            ready.wait()
            try:
                out[k] = c.run("refine", work[k], fn)
            except ValueError as exc:
                out[k] = exc

    threads = [threading.Thread(target=member, args=(k,)) for k in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    return out


def test_outside_a_group_work_runs_at_once() -> None:
    calls: list[list[int]] = []
    assert Coalescer().run("refine", [1, 2], doubled(calls)) == [2, 4]
    assert calls == [[1, 2]]


def test_members_share_one_run_and_each_gets_its_own_share() -> None:
    calls: list[list[int]] = []
    c = Coalescer(wait=2.0)
    out = run_members(c, [[1], [2, 3], [4]], doubled(calls))
    assert out == [[2], [4, 6], [8]]
    assert len(calls) == 1 and sorted(calls[0]) == [1, 2, 3, 4]
    assert c.runs == 1 and c.merged == 2


def test_a_failing_request_fails_alone() -> None:
    calls: list[list[int]] = []
    out = run_members(Coalescer(wait=2.0), [[1], [-1], [3]], doubled(calls))
    assert out[0] == [2] and out[2] == [6]
    assert isinstance(out[1], ValueError)
    assert len(calls) == 4  # the merged run, then each alone


def test_a_member_busy_elsewhere_delays_the_others_at_most_the_wait() -> None:
    c = Coalescer(wait=0.1)
    calls: list[list[int]] = []
    busy = threading.Event()

    def idle() -> None:
        with c.member():
            busy.wait(5)  # in the group, but never asks for posteriors

    t = threading.Thread(target=idle)
    t.start()
    try:
        time.sleep(0.05)
        with c.member():
            started = time.monotonic()
            assert c.run("refine", [5], doubled(calls)) == [10]
            assert time.monotonic() - started < 1.0
    finally:
        busy.set()
        t.join(5)


@pytest.mark.parametrize("key", ["refine", 10])
def test_only_equal_keys_share_a_run(key: object) -> None:
    calls: list[list[int]] = []
    c = Coalescer(wait=0.2)
    out: list[object] = [None, None]
    ready = threading.Barrier(2)

    def member(k: int, my_key: object) -> None:
        with c.member():
            ready.wait()
            out[k] = c.run(my_key, [k + 1], doubled(calls))

    threads = [
        threading.Thread(target=member, args=(0, key)),
        threading.Thread(target=member, args=(1, "other")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert out == [[2], [4]]
    assert len(calls) == (2 if key != "other" else 1)
