"""Requests that run at once on one model share their encoder, refinement
and decoder runs.

Encoding a new clip, refining its latent (:meth:`LoadedModel.refine`) and
decoding are most of an operation's time, and a batch of windows costs
little more than one. The server's worker runs the requests for a model
each on a thread of its own inside :meth:`Coalescer.member`. When such a
thread needs work of one phase (posteriors, or decoding), it waits (briefly)
until every member that has not asked for that phase yet has asked or
finished (a request already past it is not waited for), and one of them
runs all of it as one batch. Nothing a row gets depends on the rows beside
it: the posterior mean, Adam steps that treat every row as its own problem,
and decoders that sample each row from its own seed
(:class:`bridge.engine.tfcompat.SamplingSeeds`), so a request gets what it
would get alone.

A thread outside a group (the command line, a test) runs at once.
"""

from __future__ import annotations

import collections
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
        # Per phase, the members that have asked for its work before.
        self._asked: dict[str, set[int]] = {}
        self._pending: list[_Call] = []
        self._running = False
        self.runs = 0  # merged runs made (for tests and benchmarks)
        self.merged = 0  # calls that shared a run with another
        self.merged_in: collections.Counter[str] = collections.Counter()  # ... by phase

    @property
    def busy(self) -> bool:
        """Whether a request is running in this group."""
        with self._cond:
            return bool(self._members)

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
                for asked in self._asked.values():
                    asked.discard(me)
                self._cond.notify_all()

    def run(
        self,
        key: Any,
        items: Sequence[Any],
        fn: Callable[[list[Any]], list[Any]],
        *,
        phase: str = "posterior",
    ) -> list[Any]:
        """``fn(items)``, or a slice of ``fn`` over the items of every member's
        call with the same ``phase`` and ``key`` that is pending now."""
        key = (phase, key)
        me = threading.get_ident()
        with self._cond:
            if me not in self._members:
                grouped = False
            else:
                grouped = True
                call = _Call(key, list(items))
                self._pending.append(call)
                asked = self._asked.setdefault(phase, set())
                asked.add(me)
                self._cond.notify_all()
        if not grouped:
            return fn(list(items))
        deadline = time.monotonic() + self.wait
        while True:
            with self._cond:
                if call.done.is_set():
                    break
                # Waited for: the members that have not asked for this phase
                # yet (one past it will not ask again soon).
                everyone = not self._members - asked
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
                shared = len(batch) - 1 if len(batch) > 1 else 0
                self.merged += shared
                self.merged_in[batch[0].key[0]] += shared
                for c in batch:
                    c.done.set()
                self._cond.notify_all()
