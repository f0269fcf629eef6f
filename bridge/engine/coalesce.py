"""Requests that run at once on one model share their encoder and refinement runs.

Encoding a new clip and refining its latent (:meth:`LoadedModel.refine`)
are most of an operation's time, and a batch of windows costs little more
than one. The server's worker runs the requests for a model each on a
thread of its own inside :meth:`Coalescer.member`. When such a thread needs
posteriors, it waits (briefly) until every member that has not asked yet
has asked or finished (a request already past its encoding is not waited
for), and one of them runs all of it as one batch. Both steps are
deterministic (the posterior mean, then Adam steps that treat every row as
its own problem), so a request gets the latents it would get alone; the
decoders, which sample with a request's seed, still run request by request.

A thread outside a group (the command line, a test) runs at once.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["COALESCE_WAIT", "Coalescer"]

# The longest a member waits for the others' work before running what it has.
COALESCE_WAIT = 0.05


@dataclass
class _Call:
    key: Any  # calls with equal keys may share a run
    items: list[Any]
    results: list[Any] | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


class Coalescer:
    """One model's group of threads running requests together, and their
    pending posterior work."""

    def __init__(self, wait: float = COALESCE_WAIT) -> None:
        self.wait = wait
        self._cond = threading.Condition()
        self._members: set[int] = set()
        self._asked: set[int] = set()  # members that have asked for posteriors before
        self._pending: list[_Call] = []
        self._running = False
        self.runs = 0  # merged runs made (for tests and benchmarks)
        self.merged = 0  # calls that shared a run with another

    @contextlib.contextmanager
    def member(self) -> Iterator[None]:
        """The calling thread runs one request of a group."""
        me = threading.get_ident()
        with self._cond:
            self._members.add(me)
        try:
            yield
        finally:
            with self._cond:
                self._members.discard(me)
                self._asked.discard(me)
                self._cond.notify_all()

    def run(
        self, key: Any, items: Sequence[Any], fn: Callable[[list[Any]], list[Any]]
    ) -> list[Any]:
        """``fn(items)``, or a slice of ``fn`` over the items of every member's
        call with the same ``key`` that is pending now."""
        me = threading.get_ident()
        with self._cond:
            if me not in self._members:
                grouped = False
            else:
                grouped = True
                call = _Call(key, list(items))
                self._pending.append(call)
                self._asked.add(me)
                self._cond.notify_all()
        if not grouped:
            return fn(list(items))
        deadline = time.monotonic() + self.wait
        while True:
            with self._cond:
                if call.done.is_set():
                    break
                # Waited for: the members that have not asked yet (a request
                # that has its latents is decoding, and will not ask again soon).
                everyone = not self._members - self._asked
                if not self._running and (everyone or time.monotonic() >= deadline):
                    batch = [c for c in self._pending if c.key == call.key]
                    self._pending = [c for c in self._pending if c.key != call.key]
                    self._running = True
                else:
                    left = deadline - time.monotonic()
                    self._cond.wait(timeout=left if left > 0 else 0.01)
                    continue
            self._lead(batch, fn)
        if call.error is not None:
            raise call.error
        assert call.results is not None
        return call.results

    def _lead(self, batch: list[_Call], fn: Callable[[list[Any]], list[Any]]) -> None:
        """Run ``batch`` as one call of ``fn`` and hand each its share."""
        try:
            flat = [item for c in batch for item in c.items]
            try:
                out = fn(flat)
            except Exception:
                if len(batch) == 1:
                    raise
                # One request's work failed the run: each runs alone, so
                # only that one gets the error.
                for c in batch:
                    try:
                        c.results = fn(c.items)
                    except Exception as exc:
                        c.error = exc
                return
            at = 0
            for c in batch:
                c.results = out[at : at + len(c.items)]
                at += len(c.items)
        except BaseException as exc:  # each member raises it as its own
            for c in batch:
                c.error = exc
        finally:
            with self._cond:
                self._running = False
                self.runs += 1
                self.merged += len(batch) - 1 if len(batch) > 1 else 0
                for c in batch:
                    c.done.set()
                self._cond.notify_all()
