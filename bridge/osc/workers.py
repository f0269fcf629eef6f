"""One worker thread per model, each with a bounded queue.

The receive loop hands a :class:`Job` to the model's worker and answers at
once; the worker takes what is waiting and sends results itself. Unseeded
``sample`` jobs waiting together with the same settings run as one batch.
Other jobs run each on a thread of its own, up to ``max_batch`` at once
(1: one after another on the worker's thread); those that need new clips
encoded, or latents decoded, at the same moment share one encoder and
refinement run and one decoder run, those of drum models also the groove
model's runs that play their new hits (:mod:`bridge.engine.coalesce`).
Every decoded row draws from its own request's seed, so a seeded request
gives what it gives alone.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bridge.engine import Engine, Generation
from bridge.errors import BridgeError
from bridge.limits import MAX_COUNT
from bridge.ops import (
    SCENE_OPERATIONS,
    OpOptions,
    as_scenes,
    batch_key,
    get_operation,
    run_operation,
    run_sample_batch,
)
from bridge.osc.protocol import BusyError, CancelledError, Outgoing
from bridge.osc.request import Request
from bridge.osc.results import result_messages
from bridge.threads import Supervised

log = logging.getLogger("latent_bridge.server")


RELEASE_WAIT_SECONDS = 2.0


@dataclass
class Job:
    req: Request
    model: str
    op: str
    params: dict[str, Any]
    tracks: list[Any]
    enqueued: float = field(default_factory=time.monotonic)
    cancelled: bool = False
    # Set once the receive loop has sent the request's "accepted": nothing
    # about a job goes out before it, so a client sees replies in order.
    released: threading.Event = field(default_factory=threading.Event)
    finished: bool = False  # its last message (results, error) went out

    @property
    def batch_key(self) -> tuple[Any, ...] | None:
        """Jobs with equal keys may share one run; None runs alone."""
        return batch_key(self.op, self.params)


def run_job(engine: Engine, job: Job) -> Generation:
    """The engine call for a job. Interpolate, blend and grid on a band or trio
    model (or with ``tracks`` above 1) take their inputs as scenes."""
    is_drum = job.tracks[0].is_drum if job.op == "variations" and job.tracks else None
    options = OpOptions.from_mapping({**dict(job.params), "is_drum": is_drum})
    per_input = int(job.params.get("tracks") or 1)
    if get_operation(job.op).name in SCENE_OPERATIONS and (
        per_input > 1 or engine.registry.get(job.model).role.is_multitrack
    ):
        scenes = as_scenes(job.tracks, per_input)
        return run_operation(engine, job.model, job.op, [], options, scenes=scenes)
    return run_operation(engine, job.model, job.op, job.tracks, options)


class ModelWorker:
    """Serves one model's queue on its own thread."""

    def __init__(
        self,
        model: str,
        engine: Engine,
        send: Callable[[list[Outgoing]], None],
        *,
        max_queue: int = 16,
        max_batch: int = 8,
        on_done: Callable[[Job, float, str | None], None] | None = None,
    ) -> None:
        self.model = model
        self._engine = engine
        self._send = send
        self._max_queue = max_queue
        self._max_batch = max_batch
        self._on_done = on_done
        self._queue: collections.deque[Job] = collections.deque()
        self._cond = threading.Condition()
        self._running: list[Job] = []  # every job started and not done
        self._inline: list[Job] = []  # the jobs the loop itself is running
        self._threads: set[threading.Thread] = set()  # jobs on threads of their own
        self._job_crashes = 0
        self._stopping = False
        self._thread = Supervised(
            f"worker-{model}",
            self._loop,
            log,
            on_crash=self._crashed,
            stopping=lambda: self._stopping,
        )
        self._thread.start()

    @property
    def restarts(self) -> int:
        """Bugs the worker met and served on after: its loop, or a job's thread."""
        return self._thread.restarts + self._job_crashes

    @property
    def depth(self) -> int:
        return len(self._queue)

    @property
    def in_flight(self) -> int:
        return len(self._running)

    def submit(self, job: Job) -> int:
        """Queue a job; returns its position (0 = next). Raises BusyError when full."""
        with self._cond:
            if len(self._queue) >= self._max_queue:
                raise BusyError(
                    f"model {self.model!r} has {len(self._queue)} requests waiting; try again"
                )
            self._queue.append(job)
            self._cond.notify()
            return len(self._queue) - 1  # requests ahead of it in the queue

    def cancel(self, host: str, port: int, request_id: str) -> str:
        """Cancel a queued (dropped) or running (results discarded) job."""
        with self._cond:
            for job in list(self._queue):
                if job.req.key == (host, port, request_id):
                    self._queue.remove(job)
                    job.cancelled = True
                    self._send([job.req.error(CancelledError.code, "cancelled before it ran")])
                    return "cancelled"
            for job in self._running:
                if job.req.key == (host, port, request_id):
                    job.cancelled = True
                    return "cancelling"
        return "unknown"

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout=5)
        with self._cond:
            threads = list(self._threads)
        for t in threads:  # jobs already running finish and answer
            t.join(timeout=30)

    def _next_batch(self, first: Job) -> list[Job]:
        """``first`` and the queued jobs that may run with it in one engine call
        (unseeded samples of one key), taken off the queue."""
        batch = [first]
        key = first.batch_key
        if key is not None:
            total = first.params["n"]
            for job in list(self._queue):
                if len(batch) >= self._max_batch:
                    break
                if job.batch_key == key and total + job.params["n"] <= MAX_COUNT:
                    total += job.params["n"]
                    batch.append(job)
            for job in batch[1:]:
                self._queue.remove(job)
        return batch

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (
                    not self._queue or len(self._running) >= self._max_batch
                ):
                    self._cond.wait()
                if self._stopping:
                    for job in self._queue:
                        self._send_for(
                            job, [job.req.error("shutting_down", "the server is stopping")]
                        )
                    self._queue.clear()
                    return
                first = self._queue.popleft()
                self._inline = [first]  # answered by _crashed should anything below fail
                batch = self._inline = self._next_batch(first)
                self._running.extend(batch)
            for job in batch:
                self._send_for(job, [job.req.reply("progress", 0.0, "running")])
            if self._max_batch > 1 and first.batch_key is None:
                # Beside the others running: their clips share encoder runs.
                thread = threading.Thread(
                    target=self._run_member, args=(batch,), name=f"job-{self.model}", daemon=True
                )
                with self._cond:
                    self._threads.add(thread)
                    self._inline = []
                thread.start()
                continue
            try:
                self._run(batch)  # on a crash, _crashed answers what is still inline
            finally:
                self._done_with(batch)
            with self._cond:
                self._inline = []

    def _run_member(self, batch: list[Job]) -> None:
        """A job on a thread of its own, one of the model's group (:meth:`Engine.together`)."""
        try:
            together: contextlib.AbstractContextManager[None]
            try:
                together = self._engine.together(self.model)
            except Exception:  # the model will not load: the job says so itself
                together = contextlib.nullcontext()
            with together:
                self._run(batch)
        except Exception as exc:  # a bug outside the engine call: as if the loop crashed
            log.exception("worker-%s crashed running a job; it serves on", self.model)
            with self._cond:
                self._job_crashes += 1
            for job in batch:
                if not job.finished:
                    message = f"internal error: {exc!r}; the model serves on"
                    self._finish(
                        job, [job.req.error("internal", message)], job.enqueued, "internal"
                    )
        finally:
            self._done_with(batch)
            with self._cond:
                self._threads.discard(threading.current_thread())

    def _done_with(self, batch: list[Job]) -> None:
        with self._cond:
            for job in batch:
                if job in self._running:
                    self._running.remove(job)
            self._cond.notify_all()

    def _run(self, batch: list[Job]) -> None:
        started = time.monotonic()
        try:
            if len(batch) == 1:
                gens = [run_job(self._engine, batch[0])]
            else:
                gens = self._run_sample_batch(batch)
        except BridgeError as exc:
            for job in batch:
                self._finish(job, [job.req.error(exc.code, exc.message)], started, exc.code)
            return
        except Exception as exc:  # a bug must not take the worker down with it
            log.exception("job %s on %s failed", batch[0].op, self.model)
            for job in batch:
                self._finish(
                    job,
                    [job.req.error("internal", f"internal error: {exc!r}")],
                    started,
                    "internal",
                )
            return
        for job, gen in zip(batch, gens, strict=True):
            if job.cancelled:
                self._finish(
                    job,
                    [job.req.error(CancelledError.code, "cancelled while running")],
                    started,
                    "cancelled",
                )
            else:
                self._finish(
                    job,
                    [job.req.reply("progress", 1.0, "sending"), *result_messages(job.req, gen)],
                    started,
                    None,
                )

    def _crashed(self, exc: BaseException) -> None:
        """The loop crashed: every job it held that got no final answer gets
        ``internal`` (jobs running on threads of their own answer for themselves)."""
        with self._cond:
            jobs, self._inline = self._inline, []
            for job in jobs:
                if job in self._running:
                    self._running.remove(job)
        for job in jobs:
            if not job.finished:
                message = job.req.error("internal", f"internal error: {exc!r}; the model serves on")
                self._finish(job, [message], job.enqueued, "internal")

    def _run_sample_batch(self, batch: list[Job]) -> list[Generation]:
        return run_sample_batch(self._engine, self.model, [job.params for job in batch])

    def _send_for(self, job: Job, messages: list[Outgoing]) -> None:
        # Bounded: a job submitted outside the receive loop is never stuck.
        job.released.wait(RELEASE_WAIT_SECONDS)
        self._send(messages)

    def _finish(
        self, job: Job, messages: list[Outgoing], started: float, error: str | None
    ) -> None:
        self._send_for(job, messages)
        job.finished = True
        if self._on_done is not None:
            self._on_done(job, time.monotonic() - job.enqueued, error)
